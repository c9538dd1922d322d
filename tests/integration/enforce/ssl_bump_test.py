#!/usr/bin/python3
"""HTTPS through Squid's ssl_bump with `esafe icap` (issue 17, item 6).

Real Squid built with OpenSSL (Debian's squid-openssl) runs exactly the shipped
data/squid/esafe-ssl-bump.conf and data/squid/esafe-bump-sites.txt, placeholders
substituted, on 127.0.0.1, with `esafe icap` as its REQMOD service. The deployment's CA is
made the documented way (`esafe enforce make-ca`, then Squid's certificate store with
security_file_certgen). A TLS origin server with certificates from a separate "origin" CA
answers for every name (Squid's hosts_file points them at 127.0.0.1) and records the
requests it is sent.

  (a) https://www.google.com/search?q=…: bumped — the client sees a certificate issued by
      the deployment CA, esafe decides (and logs) the full https URL with the query, and
      the origin is sent the safe-search rewrite (safe=active);
  (b) https://www.example-bank.test/…: spliced — the client sees the origin's own
      certificate; the log holds the host and no path;
  (c) https://adult.test/… (a blocked category for the pupil): refused, nothing reaches
      the origin;
  (d) a CONNECT to the bank whose TLS hello names adult.test: refused on the server name;
and each of the four is decided and logged exactly once.

Usage: ssl_bump_test.py ESAFE_BIN SOURCE_DIR
"""
import hashlib
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import fail, free_port  # noqa: E402

BIN, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
SQUID = "/usr/sbin/squid"
CERTGEN = "/usr/lib/squid/security_file_certgen"
PUPIL = "127.0.0.2"  # the profiles map this source address to the pupil profile
SEARCH = "how to test a filter"


def icap_logging(tmp):
    """Where `esafe icap` sends its decisions: the one place to change when they go to
    `esafe serve` instead (the decisions() reader below goes with it)."""
    return ["--decision-log", os.path.join(tmp, "decisions.jsonl")]


def decisions(tmp):
    path = os.path.join(tmp, "decisions.jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def run(args, **kwargs):
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, **kwargs)
    if result.returncode != 0:
        fail(f"{' '.join(args)}: exit {result.returncode}\n{result.stdout}{result.stderr}")
    return result.stdout


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def write_policy(tmp):
    """The lists and profiles the C++ enforce integration tests use: the pupil (127.0.0.2)
    has safe search and blocks adult and gambling."""
    os.makedirs(os.path.join(tmp, "lists", "adult"))
    os.makedirs(os.path.join(tmp, "lists", "gambling"))
    write(os.path.join(tmp, "lists", "adult", "domains"), "adult.test\n")
    write(os.path.join(tmp, "lists", "gambling", "domains"), "casino.test\n")
    write(os.path.join(tmp, "iwf.hashes"), hashlib.sha256(b"mandatory.test/hidden").hexdigest() + "\n")
    write(os.path.join(tmp, "profiles.yaml"), """version: "ssl-bump-1"
default_profile: pupil
mandatory:
  - {category: iwf, file: iwf.hashes, format: hashes}
profiles:
  - name: pupil
    safe_search: true
    block: [adult, gambling]
  - name: staff
    block: [gambling]
clients:
  - {cidr: 127.0.0.2/32, profile: pupil}
  - {cidr: 127.0.0.3/32, profile: staff}
""")


def make_deployment_ca(tmp):
    """The deployment's CA and Squid's certificate store, as docs/enforce.md tells an
    operator: `esafe enforce make-ca`, then security_file_certgen -c, owned by proxy."""
    ca_dir, cert_db = os.path.join(tmp, "ca"), os.path.join(tmp, "esafe-certs")
    out = run([BIN, "enforce", "make-ca", "--out", ca_dir, "--name", "esafe ssl_bump test"])
    if "SHA-256 fingerprint:" not in out:
        fail(f"make-ca output: {out}")
    if os.stat(os.path.join(ca_dir, "esafe-ca.key")).st_mode & 0o777 != 0o600:
        fail("the CA key is not 0600")
    again = subprocess.run([BIN, "enforce", "make-ca", "--out", ca_dir], capture_output=True, text=True)
    if again.returncode == 0 or "exists already" not in again.stderr:
        fail(f"make-ca replaced an existing CA: {again.stdout} {again.stderr}")
    run([CERTGEN, "-c", "-s", cert_db, "-M", "4MB"])
    if os.geteuid() == 0:
        run(["chown", "-R", "proxy:proxy", cert_db])
    return ca_dir, cert_db


def make_origin_pki(tmp):
    """A separate CA (standing in for the public ones) and one server certificate for
    every name the origin answers."""
    d = os.path.join(tmp, "origin")
    os.makedirs(d)
    ca_key, ca_pem = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    key, csr, pem = os.path.join(d, "server.key"), os.path.join(d, "server.csr"), os.path.join(d, "server.pem")
    run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_pem, "-days", "2",
         "-subj", "/CN=esafe test origin CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=www.google.com"])
    ext = os.path.join(d, "server.ext")
    write(ext, "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
               "subjectAltName=DNS:www.google.com,DNS:www.example-bank.test,DNS:adult.test\n")
    run(["openssl", "x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-out", pem,
         "-days", "2", "-extfile", ext])
    os.chmod(ca_pem, 0o644)
    return ca_pem, pem, key


class Origin:
    """A TLS web server on 127.0.0.1 answering 200 for any name; records (Host, path)."""

    def __init__(self, cert, key):
        self.seen = []
        seen = self.seen

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append((self.headers.get("Host", ""), self.path))
                body = b"origin ok\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def wait_for_port(port, process, what, log, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if process.poll() is not None:
            fail(f"{what} exited: {log()}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    fail(f"{what} did not listen on {port} within {seconds} s: {log()}")


def slurp(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def start_icap(tmp):
    port = free_port()
    err = open(os.path.join(tmp, "icap.err"), "w")
    process = subprocess.Popen([BIN, "icap", "--listen", f"127.0.0.1:{port}", "--profiles",
                                os.path.join(tmp, "profiles.yaml"), "--lists", os.path.join(tmp, "lists"),
                                *icap_logging(tmp)], stdout=err, stderr=err, start_new_session=True)
    wait_for_port(port, process, "esafe icap", lambda: slurp(os.path.join(tmp, "icap.err")))
    return process, port


def squid_config(tmp, http_port, icap_port, ca_dir, cert_db, origin_ca):
    """The shipped file with its placeholders filled in, included from a squid.conf that
    adds only what a test needs (logs in the temporary folder, names to 127.0.0.1, the
    origin CA trusted)."""
    with open(os.path.join(SRC, "data", "squid", "esafe-ssl-bump.conf")) as f:
        shipped = f.read()
    bump_sites = os.path.join(tmp, "esafe-bump-sites.txt")
    shutil.copy(os.path.join(SRC, "data", "squid", "esafe-bump-sites.txt"), bump_sites)
    os.chmod(bump_sites, 0o644)
    values = {"@HTTP_PORT@": f"127.0.0.1:{http_port}", "@CA_DIR@": ca_dir, "@CERT_DB@": cert_db,
              "@BUMP_SITES@": bump_sites, "@ICAP_URL@": f"icap://127.0.0.1:{icap_port}/reqmod"}
    for placeholder, value in values.items():
        if placeholder not in shipped:
            fail(f"the shipped configuration has no {placeholder}")
        shipped = shipped.replace(placeholder, value)
    body = "\n".join(line for line in shipped.splitlines() if not line.lstrip().startswith("#"))
    if "@" in body:
        fail(f"a placeholder is left in the shipped configuration: {body}")
    write(os.path.join(tmp, "esafe-ssl-bump.conf"), shipped)
    write(os.path.join(tmp, "hosts"), "127.0.0.1 www.google.com www.example-bank.test adult.test\n")
    config = f"""include {tmp}/esafe-ssl-bump.conf
pid_filename {tmp}/squid.pid
cache_log {tmp}/cache.log
access_log stdio:{tmp}/access.log
coredump_dir {tmp}
hosts_file {tmp}/hosts
dns_nameservers 127.0.0.1
tls_outgoing_options cafile={origin_ca}
cache deny all
cache_mem 8 MB
shutdown_lifetime 1 seconds
netdb_filename none
acl clients src 127.0.0.0/8
http_access allow clients
http_access deny all
"""
    if os.geteuid() == 0:
        config += "cache_effective_user proxy\n"
    write(os.path.join(tmp, "squid.conf"), config)


def start_squid(tmp, http_port):
    out = open(os.path.join(tmp, "squid.out"), "w")
    process = subprocess.Popen([SQUID, "-N", "-f", os.path.join(tmp, "squid.conf")], stdout=out, stderr=out,
                               start_new_session=True)
    wait_for_port(http_port, process, "squid",
                  lambda: slurp(os.path.join(tmp, "squid.out")) + slurp(os.path.join(tmp, "cache.log")))
    return process


def stop_group(process):
    """TERM to the process group (Squid's helpers go too), then KILL."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


def client_context(cafile):
    return ssl.create_default_context(cafile=cafile)


def fetch(proxy_port, host, port, path, cafile):
    """GET https://host:port/path through the proxy from the pupil's address; returns
    (status, body, the certificate's issuer CN)."""
    connection = http.client.HTTPSConnection("127.0.0.1", proxy_port, timeout=15, context=client_context(cafile),
                                             source_address=(PUPIL, 0))
    try:
        connection.set_tunnel(host, port)
        connection.connect()
        issuer = dict(pair[0] for pair in connection.sock.getpeercert()["issuer"])
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, body, issuer.get("commonName", "")
    finally:
        connection.close()


def tunnel_with_server_name(proxy_port, connect_host, port, server_name, cafile):
    """CONNECT to one host and send another name in the TLS hello; returns the HTTP
    status inside the tunnel, or the error that ended it."""
    with socket.create_connection(("127.0.0.1", proxy_port), timeout=15, source_address=(PUPIL, 0)) as raw:
        raw.sendall(f"CONNECT {connect_host}:{port} HTTP/1.1\r\nHost: {connect_host}:{port}\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = raw.recv(4096)
            if not chunk:
                return f"proxy closed: {head!r}"
            head += chunk
        if not head.startswith(b"HTTP/1.1 200"):
            return head.split(b"\r\n")[0].decode()
        try:
            with client_context(cafile).wrap_socket(raw, server_hostname=server_name) as tls:
                tls.sendall(f"GET /spoofed HTTP/1.1\r\nHost: {connect_host}\r\nConnection: close\r\n\r\n".encode())
                return tls.recv(4096).split(b"\r\n")[0].decode()
        except (ssl.SSLError, OSError) as e:
            return f"refused: {e}"


def check_bumped_search(tmp, proxy_port, origin, ca_pem):
    """(a) The search engine is decrypted: the deployment CA's certificate, the full URL
    with the search terms decided and logged, the safe-search rewrite at the origin."""
    query = SEARCH.replace(" ", "+")
    status, body, issuer = fetch(proxy_port, "www.google.com", origin.port, f"/search?q={query}", ca_pem)
    if status != 200 or "origin ok" not in body:
        fail(f"(a) the bumped search: {status} {body}")
    if issuer != "esafe interception CA":
        fail(f"(a) the client should see a certificate from the deployment CA, not {issuer!r}")
    search = [d for d in decisions(tmp) if d["url"].startswith("https://www.google.com/")]
    if [d["url"] for d in search] != [f"https://www.google.com/search?q={query}"]:
        fail(f"(a) one decision on the full https URL with the query: {decisions(tmp)}")
    if search[0]["action"] != "allow" or not search[0]["safe_search"] or search[0]["client"] != PUPIL:
        fail(f"(a) the search decision: {search[0]}")
    if ("www.google.com:%d" % origin.port, f"/search?q={query}&safe=active") not in origin.seen:
        fail(f"(a) the origin should have been sent the safe-search rewrite: {origin.seen}")


def check_spliced_bank(tmp, proxy_port, origin, origin_ca):
    """(b) A site not on the bump list stays encrypted end to end: the origin's own
    certificate, and a decision on the host alone."""
    status, body, issuer = fetch(proxy_port, "www.example-bank.test", origin.port, "/account?statement=2026-11",
                                 origin_ca)
    if status != 200 or issuer != "esafe test origin CA":
        fail(f"(b) the bank should be spliced (the origin's certificate): {status} {issuer!r} {body}")
    bank = [d for d in decisions(tmp) if "example-bank" in d["url"]]
    if len(bank) != 1 or bank[0]["action"] != "allow" or bank[0]["url"].split("://")[1] != "www.example-bank.test/":
        fail(f"(b) one decision on the bank's host, without its path: {decisions(tmp)}")
    if "statement" in json.dumps(decisions(tmp)):
        fail("(b) the bank's path reached the decision log")


def check_blocked_category(tmp, proxy_port, origin, ca_pem, origin_ca):
    """(c) A blocked category over HTTPS is refused before anything reaches the origin."""
    both = os.path.join(tmp, "both-cas.pem")
    write(both, slurp(ca_pem) + slurp(origin_ca))
    try:
        status, body, _ = fetch(proxy_port, "adult.test", origin.port, "/pics", both)
        fail(f"(c) adult.test over HTTPS should be refused, got {status} {body}")
    except (ssl.SSLError, OSError, http.client.HTTPException):
        pass
    blocked = [d for d in decisions(tmp) if d["url"].split("://")[1].startswith("adult.test/")]
    if len(blocked) != 1 or blocked[0]["action"] != "block" or blocked[0]["category"] != "adult":
        fail(f"(c) one block decision for adult.test: {decisions(tmp)}")
    if any(host.startswith("adult.test") for host, _ in origin.seen):
        fail(f"(c) the blocked request reached the origin: {origin.seen}")


def check_server_name_decided(tmp, proxy_port, origin, origin_ca):
    """(d) The TLS server name is decided too: CONNECT to the bank naming adult.test in the
    hello is refused, and recorded once, on adult.test."""
    before = len(decisions(tmp))
    answer = tunnel_with_server_name(proxy_port, "www.example-bank.test", origin.port, "adult.test", origin_ca)
    if answer.startswith("HTTP/1.0 200") or answer.startswith("HTTP/1.1 200"):
        fail(f"(d) a blocked server name behind an allowed CONNECT host passed: {answer}")
    new = decisions(tmp)[before:]
    if len(new) != 1 or new[0]["action"] != "block" or "adult.test" not in new[0]["url"]:
        fail(f"(d) one block decision on the server name: {new} ({answer})")
    if any(path == "/spoofed" for _, path in origin.seen):
        fail(f"(d) the spoofed request reached the origin: {origin.seen}")


def main():
    if not os.path.exists(SQUID) or not os.path.exists(CERTGEN):
        print("SKIP: Squid with OpenSSL (squid-openssl) is not installed")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="esafe-ssl-bump-")
    os.chmod(tmp, 0o777)  # Squid's helpers run as proxy
    icap = squid = origin = None
    ok = False
    try:
        write_policy(tmp)
        ca_dir, cert_db = make_deployment_ca(tmp)
        ca_pem = os.path.join(ca_dir, "esafe-ca.pem")
        origin_ca, server_cert, server_key = make_origin_pki(tmp)
        origin = Origin(server_cert, server_key)
        icap, icap_port = start_icap(tmp)
        http_port = free_port()
        squid_config(tmp, http_port, icap_port, ca_dir, cert_db, origin_ca)
        squid = start_squid(tmp, http_port)

        check_bumped_search(tmp, http_port, origin, ca_pem)
        check_spliced_bank(tmp, http_port, origin, origin_ca)
        check_blocked_category(tmp, http_port, origin, ca_pem, origin_ca)
        check_server_name_decided(tmp, http_port, origin, origin_ca)
        # Each request decided and logged exactly once: four requests, four decisions (the
        # browser's own CONNECT is not sent to esafe; see the shipped configuration).
        if len(decisions(tmp)) != 4:
            fail(f"four requests should give four decisions: {json.dumps(decisions(tmp), indent=1)}")
        ok = True
        print("ok: bumped search decided on its full URL with safe search; bank spliced and decided on its host; "
              "blocked host and blocked server name refused; four requests, four decisions")
    finally:
        if not ok:
            print("--- squid cache.log (tail)\n" + slurp(os.path.join(tmp, "cache.log"))[-4000:])
            print("--- access.log\n" + slurp(os.path.join(tmp, "access.log")))
            print("--- esafe icap\n" + slurp(os.path.join(tmp, "icap.err")))
        stop_group(squid)
        stop_group(icap)
        if origin:
            origin.stop()
        if not os.environ.get("ESAFE_KEEP_TEMP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
