"""An unauthenticated client cannot take `esafe serve` down (issue 19, finding 2), tried
through real HTTP on loopback:

- 20,000 idle connections from one address (127.0.0.2, from two processes) leave
  /healthz answering another address (127.0.0.1) within a second, every time;
- an anonymous request announcing a 1 MiB body is refused (413) before the body is sent:
  the answer arrives while the client has sent only the headers;
- a signed-in request may still send a body past the anonymous cap (an import).

    http_limits_test.py PATH/TO/esafe
"""
import multiprocessing
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import add_user, Api, fail, free_port, start_serve, stop  # noqa: E402

BIN = sys.argv[1]
PASSWORD = "http-limits-test-password-1"
FLOOD = 20000


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def flood(port, count, ready, done):
    """Opens `count` connections from 127.0.0.2 and holds them, sending nothing."""
    raise_fd_limit(count + 64)
    held = []
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.bind(("127.0.0.2", 0))
        try:
            s.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        held.append(s)
    ready.set()
    done.wait(120)
    for s in held:
        s.close()


def healthz_seconds(port):
    started = time.time()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        reply = s.recv(4096)
    if not reply.startswith(b"HTTP/1.1 200"):
        fail(f"/healthz answered {reply[:80]!r}")
    return time.time() - started


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-http-limits-")
    server = None
    try:
        db = "sqlite:" + os.path.join(tmp, "esafe.db")
        add_user(BIN, db, "admin", PASSWORD, name="Admin")
        port = free_port()
        # The administrator signs in with a password only: two-step sign-in is not what this tests.
        server, _ = start_serve([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--no-require-totp"])
        base = f"http://127.0.0.1:{port}"

        # An anonymous 1 MiB body is refused before it is read: only the headers go.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 1048576\r\n\r\n")
            reply = s.recv(4096)
        if not reply.startswith(b"HTTP/1.1 413"):
            fail(f"an anonymous 1 MiB body was not refused up front: {reply[:200]!r}")
        # The same size with a live session is read (and answered by the route, not 413).
        api = Api(base)
        api.sign_in("admin", PASSWORD)
        big = "name\n" + "x" * (200 * 1024) + "\n"
        import urllib.request
        req = urllib.request.Request(base + "/api/v1/agencies/import", data=big.encode(), method="POST")
        req.add_header("Content-Type", "text/csv")
        req.add_header("X-CSRF-Token", api.csrf)
        try:
            with api.opener.open(req, timeout=30) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status, answer = e.code, e.read()
        if status == 413:
            fail(f"a signed-in 200 KiB upload was refused as too large: {answer!r}")

        # The flood: two processes of 10,000 idle connections each from 127.0.0.2.
        ready = [multiprocessing.Event(), multiprocessing.Event()]
        done = multiprocessing.Event()
        workers = [multiprocessing.Process(target=flood, args=(port, FLOOD // 2, ready[i], done)) for i in range(2)]
        for w in workers:
            w.start()
        for r in ready:
            if not r.wait(120):
                fail("the flood did not open its connections")
        slowest = max(healthz_seconds(port) for _ in range(20))
        done.set()
        for w in workers:
            w.join(60)
        if slowest > 1.0:
            fail(f"/healthz took {slowest:.2f} s under {FLOOD} idle connections from one address")
        if server.poll() is not None:
            fail("serve exited under the flood")
        print(f"OK: 413 before the body; /healthz at most {slowest * 1000:.0f} ms under {FLOOD} idle connections")
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
