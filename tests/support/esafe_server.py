"""What the Python integration tests share: a free loopback port, failing with a reason,
`esafe serve` started and stopped, and a signed-in JSON API client (cookie and CSRF token)."""
import http.cookiejar
import json
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(args, cwd=None, timeout=120, also=()):
    """Starts `esafe serve ARGS`; returns (process, what it printed until it listens and
    has printed every text in `also`, e.g. the demo sign-in line)."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
    out, started = "", time.time()
    while not all(text in out for text in ("esafe is running at", *also)):
        line = process.stdout.readline()
        if not line:
            fail(f"serve exited early: {out}")
        out += line
        if time.time() - started > timeout:
            fail(f"serve did not start within {timeout} s")
    threading.Thread(target=lambda: process.stdout.read(), daemon=True).start()  # keep the pipe drained
    return process, out


def send_batch(sock_path, lines, timeout=30):
    """One batch of JSON-line events on the ingest socket; returns the server's acknowledgement."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(sock_path)
        s.sendall(("\n".join(lines) + "\n\n").encode())
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    return json.loads(reply.decode())


def stop(process):
    if process and process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class Api:
    """JSON over HTTP as a signed-in user: sign_in() keeps the cookie and CSRF token."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = ""

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.csrf:
            req.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(req, timeout=30) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def sign_in(self, username, password):
        status, session = self.call("POST", "/api/v1/session", {"username": username, "password": password})
        if status != 200:
            fail(f"sign-in as {username}: {status} {session}")
        self.csrf = session["csrf_token"]
        return session


def add_user(bin_path, db, username, password, role="partnership_admin", name=None, agency=None):
    """`esafe user add` on the database URL `db`, the password given on standard input."""
    args = [bin_path, "user", "add", "--db", db, "--username", username, "--name", name or username.title(),
            "--role", role]
    if agency is not None:
        args += ["--agency-id", str(agency)]
    added = subprocess.run(args, input=password + "\n", capture_output=True, text=True, timeout=60)
    if added.returncode != 0:
        fail(f"user add {username}: {added.stderr}")
