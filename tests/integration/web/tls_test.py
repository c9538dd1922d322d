"""`esafe serve` over TLS, and behind a trusted reverse proxy (issue 18, item 3), through
real sockets on loopback:

- a key that is not the certificate's, or a certificate it cannot read, is refused at
  start (exit 2, saying which file);
- every HTTPS answer carries Strict-Transport-Security; TLS 1.1 and non-ECDHE or CBC
  ciphers are refused, TLS 1.3 is chosen; the session cookie is Secure;
- the --http-redirect port answers 308 to the same path on the HTTPS port;
- SIGHUP rereads the certificate: a broken one is refused and the old one kept, a new
  one is served to the next connection;
- docs/deploy/nginx-esafe.conf under a real nginx (own prefix, unprivileged paths) in
  front of `esafe serve --trusted-proxy 127.0.0.1/32`: sign-in over HTTPS sets a Secure
  cookie, the audit trail and the sign-in throttle see the client's address (127.0.0.9)
  however the client fills X-Forwarded-For, and a client that talks to esafe directly
  cannot choose its address or scheme with those headers.

    tls_test.py PATH/TO/esafe SOURCE_DIR
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import add_user, fail, free_port, start_serve, stop  # noqa: E402

BIN, SOURCE = sys.argv[1], sys.argv[2]
PASSWORD = "tls-test-password-1"
warnings.filterwarnings("ignore", "ssl.TLSVersion", DeprecationWarning)  # offering TLS 1.1 is the point


def make_cert(directory, name):
    cert, key = os.path.join(directory, name + ".pem"), os.path.join(directory, name + ".key")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                           f"/CN={name}", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                          capture_output=True, text=True, timeout=60)
    if made.returncode != 0:
        fail(f"openssl req: {made.stderr}")
    return cert, key


def client_context(minimum=ssl.TLSVersion.TLSv1_2, maximum=ssl.TLSVersion.MAXIMUM_SUPPORTED, ciphers=None):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if ciphers:
        # SECLEVEL 0: the client offers old protocols and ciphers; the server must refuse them.
        context.set_ciphers(ciphers + ":@SECLEVEL=0")
    context.minimum_version, context.maximum_version = minimum, maximum
    return context


def handshake(port, context, source="127.0.0.1"):
    """(version, cipher, DER certificate) of a handshake, or the SSLError text."""
    with socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0)) as raw:
        try:
            with context.wrap_socket(raw) as s:
                return s.version(), s.cipher()[0], s.getpeercert(binary_form=True), s.compression()
        except ssl.SSLError as e:
            return str(e)


def request(port, method, path, body=None, headers=None, tls=True, source="127.0.0.1"):
    """(status, headers as a list of pairs, body) of one request from `source`."""
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=client_context(),
                                           source_address=(source, 0))
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    all_headers = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=all_headers)
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read()
    finally:
        conn.close()


def header(headers, name):
    values = [v for k, v in headers if k.lower() == name.lower()]
    return values[0] if values else None


def sign_in(port, password=PASSWORD, **kwargs):
    return request(port, "POST", "/api/v1/session", {"username": "admin", "password": password}, **kwargs)


def audit(port, cookie, csrf, **kwargs):
    status, _, body = request(port, "GET", "/api/v1/audit-events?entity=account&limit=50",
                              headers={"Cookie": cookie, "X-CSRF-Token": csrf}, **kwargs)
    if status != 200:
        fail(f"audit trail: {status} {body[:200]!r}")
    return json.loads(body)


def session_of(status, headers, body, where):
    if status != 200:
        fail(f"sign-in {where}: {status} {body[:200]!r}")
    cookie = header(headers, "Set-Cookie") or ""
    return cookie, cookie.split(";")[0], json.loads(body)["csrf_token"]


def refused_at_start(args, expected):
    run = subprocess.run([BIN, "serve", *args], capture_output=True, text=True, timeout=60)
    if run.returncode != 2 or expected not in run.stderr:
        fail(f"serve {' '.join(args)}: exit {run.returncode}, wanted 2 and '{expected}': {run.stderr}")


def check_direct_tls(tmp, db):
    cert, key = make_cert(tmp, "first")
    _, other_key = make_cert(tmp, "other")
    port = free_port()
    refused_at_start(["--db", db, "--listen", f"127.0.0.1:{port}", "--tls-cert", cert, "--tls-key", other_key],
                     "cannot be used as the private key of the certificate in " + cert + ": key values mismatch")
    refused_at_start(["--db", db, "--listen", f"127.0.0.1:{port}", "--tls-cert", cert + ".missing", "--tls-key", key],
                     "cannot read " + cert + ".missing")
    refused_at_start(["--db", db, "--listen", f"127.0.0.1:{port}", "--tls-cert", key, "--tls-key", key],
                     "is not a PEM certificate")

    served_cert, served_key = os.path.join(tmp, "served.pem"), os.path.join(tmp, "served.key")
    shutil.copy(cert, served_cert)
    shutil.copy(key, served_key)
    server, out = start_serve([BIN, "serve", "--no-require-totp", "--db", db, "--listen", f"127.0.0.1:{port}", "--tls-cert", served_cert,
                               "--tls-key", served_key, "--http-redirect", "127.0.0.1:0"],
                              also=("redirecting plain HTTP",))
    try:
        if f"https://127.0.0.1:{port}/" not in out:
            fail(f"serve did not say it runs at https: {out}")
        redirect_port = int(re.search(r"redirecting plain HTTP on 127\.0\.0\.1:(\d+)", out).group(1))

        for path in ("/healthz", "/api/v1/no-such-thing"):
            status, headers, _ = request(port, "GET", path)
            if header(headers, "Strict-Transport-Security") != "max-age=31536000":
                fail(f"{path} over HTTPS ({status}) has no HSTS header: {headers}")

        version, _, der, compression = handshake(port, client_context())
        if version != "TLSv1.3" or compression is not None:
            fail(f"a modern client got {version}, compression {compression}")
        if der != ssl.PEM_cert_to_DER_cert(open(cert).read()):
            fail("the served certificate is not --tls-cert")
        # TLS 1.1 and weak TLS 1.2 suites are refused by the server (the client offers them).
        old = handshake(port, client_context(ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1, "ALL"))
        if not isinstance(old, str) or "PROTOCOL_VERSION" not in old.upper():
            fail(f"TLS 1.1 was not refused with a protocol_version alert: {old}")
        for weak in ("AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384",
                     "DHE-RSA-AES128-GCM-SHA256"):
            got = handshake(port, client_context(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2, weak))
            if not isinstance(got, str) or "HANDSHAKE_FAILURE" not in got.upper() and "NO_CIPHER" not in got.upper():
                fail(f"TLS 1.2 with only {weak} was not refused: {got}")
        good = handshake(port, client_context(ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2,
                                              "ECDHE-RSA-AES128-GCM-SHA256"))
        if isinstance(good, str) or good[0] != "TLSv1.2":
            fail(f"TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256 was refused: {good}")

        # Sign-in over HTTPS: the cookie is Secure though serve listens on loopback.
        cookie, pair, csrf = session_of(*sign_in(port), "over HTTPS")
        if "; Secure" not in cookie:
            fail(f"the session cookie over HTTPS is not Secure: {cookie}")
        # Over HTTPS a page of the http origin is another site.
        status, _, _ = request(port, "DELETE", "/api/v1/session",
                               headers={"Cookie": pair, "X-CSRF-Token": csrf, "Origin": f"http://127.0.0.1:{port}",
                                        "Host": f"127.0.0.1:{port}"})
        if status != 403:
            fail(f"a change from http://127.0.0.1:{port} over HTTPS was not refused: {status}")
        # No trusted proxy: X-Forwarded-For and -Proto are the client's own words, ignored.
        sign_in(port, "wrong-password", headers={"X-Forwarded-For": "10.9.9.9"})
        failed = [e for e in audit(port, pair, csrf) if e["action"] == "login_failed"]
        if not failed or "from 127.0.0.1:" not in failed[0]["summary"]:
            fail(f"a failed sign-in with X-Forwarded-For from an untrusted peer: {failed[:1]}")

        # The plain port sends everything to the same path over HTTPS.
        status, headers, _ = request(redirect_port, "GET", "/ui/app.js?x=1", tls=False,
                                     headers={"Host": f"127.0.0.1:{redirect_port}"})
        location = header(headers, "Location")
        if status != 308 or location != f"https://127.0.0.1:{port}/ui/app.js?x=1":
            fail(f"the redirect port answered {status} to {location}")

        # SIGHUP: a broken certificate is refused and the old one kept; a new one is served.
        with open(served_cert, "w") as f:
            f.write("not a certificate\n")
        server.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        if server.poll() is not None or handshake(port, client_context())[2] != ssl.PEM_cert_to_DER_cert(open(cert).read()):
            fail("after SIGHUP with a broken certificate, the old one is not served")
        new_cert, new_key = make_cert(tmp, "second")
        shutil.copy(new_key, served_key)
        shutil.copy(new_cert, served_cert)
        server.send_signal(signal.SIGHUP)
        wanted = ssl.PEM_cert_to_DER_cert(open(new_cert).read())
        deadline = time.time() + 10
        while handshake(port, client_context())[2] != wanted:
            if time.time() > deadline:
                fail("after SIGHUP the new certificate is not served")
            time.sleep(0.1)
    finally:
        stop(server)


def nginx_config(tmp, nginx_port, esafe_port, cert, key):
    """The shipped example, pointed at this test's ports and files, in a wrapper that keeps
    every path nginx writes inside `tmp`."""
    example = open(os.path.join(SOURCE, "docs", "deploy", "nginx-esafe.conf")).read()
    redirect_port = free_port()
    for old, new in (("listen 443 ssl http2;", f"listen 127.0.0.1:{nginx_port} ssl http2;"),
                     ("listen 80;", f"listen 127.0.0.1:{redirect_port};"),
                     ("/etc/ssl/esafe/fullchain.pem", cert), ("/etc/ssl/esafe/privkey.pem", key),
                     ("proxy_pass http://127.0.0.1:8080;", f"proxy_pass http://127.0.0.1:{esafe_port};")):
        if old not in example:
            fail(f"docs/deploy/nginx-esafe.conf no longer has '{old}': update this test")
        example = example.replace(old, new)
    # The machine running the test may have no IPv6.
    example = "\n".join(line for line in example.splitlines() if "listen [::]" not in line)
    site = os.path.join(tmp, "esafe-site.conf")
    open(site, "w").write(example)
    temp = os.path.join(tmp, "nginx-temp")
    os.makedirs(temp, exist_ok=True)
    wrapper = os.path.join(tmp, "nginx.conf")
    # As root (a CI container), nginx would hand its workers to "nobody", who cannot read
    # this test's private directory.
    user = "user root root;\n" if os.geteuid() == 0 else ""
    open(wrapper, "w").write(f"""{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
""")
    return wrapper


def check_nginx(tmp, db):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        fail("nginx is not installed (scripts/install-deps.sh --test installs nginx-light)")
    cert, key = make_cert(tmp, "proxy")
    esafe_port, nginx_port = free_port(), free_port()
    server, _ = start_serve([BIN, "serve", "--no-require-totp", "--db", db, "--listen", f"127.0.0.1:{esafe_port}",
                             "--trusted-proxy", "127.0.0.1/32", "--trusted-proxy", "::1"])
    wrapper = nginx_config(tmp, nginx_port, esafe_port, cert, key)
    proxy = subprocess.Popen([nginx, "-p", tmp, "-c", wrapper, "-e", "stderr"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", nginx_port), timeout=1).close()
                break
            except OSError:
                if proxy.poll() is not None:
                    fail(f"nginx exited: {proxy.stdout.read()}")
                if time.time() > deadline:
                    fail("nginx did not listen within 20 s")
                time.sleep(0.1)

        # Through nginx from 127.0.0.9, with a made-up address of the client's own in front.
        status, headers, body = sign_in(nginx_port, source="127.0.0.9", headers={"X-Forwarded-For": "10.1.2.3"})
        cookie, pair, csrf = session_of(status, headers, body, "through nginx")
        if "; Secure" not in cookie:
            fail(f"the session cookie through nginx over HTTPS is not Secure: {cookie}")
        if header(headers, "Strict-Transport-Security") != "max-age=31536000":
            fail(f"an HTTPS answer through nginx has no HSTS: {headers}")
        logins = [e for e in audit(nginx_port, pair, csrf) if e["action"] == "login"]
        if not logins or logins[0].get("ip") != "127.0.0.9":
            fail(f"the audit trail did not record the client's address 127.0.0.9: {logins[:1]}")

        # The throttle counts per address: five failures from 127.0.0.9 hold back 127.0.0.9 only.
        for _ in range(5):
            status, _, _ = sign_in(nginx_port, "wrong-password", source="127.0.0.9")
            if status != 401:
                fail(f"a wrong password through nginx answered {status}")
        status, _, _ = sign_in(nginx_port, source="127.0.0.9")
        if status != 429:
            fail(f"the sixth sign-in from 127.0.0.9 was not throttled: {status}")
        status, headers, body = sign_in(nginx_port, source="127.0.0.11")
        session_of(status, headers, body, "from 127.0.0.11 while 127.0.0.9 is throttled")

        # Straight to esafe from 127.0.0.10, claiming to be 127.0.0.9 over https: ignored.
        status, headers, body = sign_in(esafe_port, tls=False, source="127.0.0.10",
                                        headers={"X-Forwarded-For": "127.0.0.9", "X-Forwarded-Proto": "https"})
        cookie, _, _ = session_of(status, headers, body, "from an untrusted peer claiming 127.0.0.9")
        if "Secure" in cookie:
            fail(f"an untrusted peer's X-Forwarded-Proto made the cookie Secure: {cookie}")
        logins = [e for e in audit(nginx_port, pair, csrf) if e["action"] == "login"]
        if logins[0].get("ip") != "127.0.0.10":
            fail(f"an untrusted peer's X-Forwarded-For was believed: {logins[:1]}")
    finally:
        if proxy.poll() is None:
            proxy.send_signal(signal.SIGQUIT)
            try:
                proxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proxy.kill()
        stop(server)


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-tls-")
    try:
        for name in ("direct", "proxied"):
            db = "sqlite:" + os.path.join(tmp, name + ".db")
            add_user(BIN, db, "admin", PASSWORD, name="Admin")
        check_direct_tls(tmp, "sqlite:" + os.path.join(tmp, "direct.db"))
        check_nginx(tmp, "sqlite:" + os.path.join(tmp, "proxied.db"))
        print("OK: TLS refusals, HSTS, Secure cookie, redirect, SIGHUP reload; nginx example with forwarded address")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
