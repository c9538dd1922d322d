#!/usr/bin/python3
"""Alert e-mail over STARTTLS with AUTH, against a real SMTP server (issue 17, item 7).

python3-aiosmtpd listens on loopback with a certificate this test makes, requires STARTTLS
and AUTH. `esafe monitor mail-test` with the settings alerts use delivers through it; a
wrong password, a relay that does not offer STARTTLS, a certificate for another name and a
password file others can read are each refused, and nothing is sent in clear.

Then the whole path: `esafe serve` ingests a critical risky search on its socket, monitoring
raises the alert at once and e-mails it over STARTTLS to the recipient the library's officer
set through the API; the alert becomes an incident.

Usage: smtp_starttls_test.py ESAFE_BIN SOURCE_DIR
"""
import datetime
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import Api, fail, free_port, start_serve, stop  # noqa: E402

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

BIN, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
USER, PASSWORD = "esafe-alerts", "relay-secret-7"


class Inbox:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append({"to": list(envelope.rcpt_tos), "data": envelope.content.decode("utf-8", "replace"),
                                  "tls": session.ssl is not None, "auth": session.authenticated})
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok)


def make_cert(directory, name, cn):
    key, cert = os.path.join(directory, f"{name}.key"), os.path.join(directory, f"{name}.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", f"/CN={cn}", "-addext", f"subjectAltName=DNS:{cn}"],
                   check=True, capture_output=True)
    return key, cert


def start_relay(inbox, port, cert=None, key=None, starttls=True):
    kwargs = {}
    if starttls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        kwargs = dict(tls_context=context, require_starttls=True, auth_required=True, auth_require_tls=True,
                      authenticator=authenticator)
    relay = Controller(inbox, hostname="127.0.0.1", port=port, **kwargs)
    relay.start()
    return relay


def settings(directory, port, ca, starttls=True, password_mode=0o600, name="smtp.yaml"):
    pw = os.path.join(directory, "relay-password")
    with open(pw, "w") as f:
        f.write(PASSWORD + "\n")
    os.chmod(pw, password_mode)
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(f"host: localhost\nport: {port}\nfrom: alerts@esafe.example\nimmediate_from: critical\n"
                f"alert_url_base: http://127.0.0.1/alerts/\n")
        if starttls:
            f.write(f"starttls: true\nca_file: {os.path.basename(ca)}\nusername: {USER}\npassword_file: relay-password\n")
    return path


def mail_test(smtp_file, to="dsl@library.example"):
    return subprocess.run([BIN, "monitor", "mail-test", "--smtp", smtp_file, "--to", to], capture_output=True,
                          text=True, timeout=60)


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-starttls-")
    relays, server = [], None
    try:
        key, cert = make_cert(tmp, "relay", "localhost")
        other_key, other_cert = make_cert(tmp, "other", "mail.other.example")
        inbox = Inbox()
        port = free_port()
        relays.append(start_relay(inbox, port, cert, key))

        good = settings(tmp, port, cert)
        sent = mail_test(good)
        if sent.returncode != 0 or "STARTTLS" not in sent.stdout:
            fail(f"mail-test over STARTTLS: {sent.stdout} {sent.stderr}")
        if len(inbox.messages) != 1 or not inbox.messages[0]["tls"] or not inbox.messages[0]["auth"]:
            fail(f"the relay should hold one message sent over TLS after AUTH: {inbox.messages}")

        # A wrong password is refused by the relay; nothing is delivered.
        with open(os.path.join(tmp, "relay-password"), "w") as f:
            f.write("not-the-password\n")
        wrong = mail_test(good)
        if wrong.returncode == 0 or "refused the user name or password" not in wrong.stderr:
            fail(f"a wrong password: {wrong.stdout} {wrong.stderr}")
        # A certificate for another name: the handshake fails.
        shutil.copy(other_cert, os.path.join(tmp, "other-ca.pem"))
        mismatch_relay_port = free_port()
        relays.append(start_relay(inbox, mismatch_relay_port, other_cert, other_key))
        mismatch = mail_test(settings(tmp, mismatch_relay_port, os.path.join(tmp, "other-ca.pem"), name="other.yaml"))
        if mismatch.returncode == 0 or "TLS handshake failed" not in mismatch.stderr:
            fail(f"a certificate for another host: {mismatch.stdout} {mismatch.stderr}")
        # A relay that does not offer STARTTLS gets nothing.
        plain_inbox = Inbox()
        plain_port = free_port()
        relays.append(start_relay(plain_inbox, plain_port, starttls=False))
        plain = mail_test(settings(tmp, plain_port, cert, name="plain.yaml"))
        if plain.returncode == 0 or "STARTTLS is required but not offered" not in plain.stderr or plain_inbox.messages:
            fail(f"no STARTTLS offered: {plain.stdout} {plain.stderr} {plain_inbox.messages}")
        # A password file others can read is refused with its line.
        loose = mail_test(settings(tmp, port, cert, password_mode=0o644, name="loose.yaml"))
        if loose.returncode == 0 or "loose.yaml:9:" not in loose.stderr or "chmod 600" not in loose.stderr:
            fail(f"a readable password file: {loose.stdout} {loose.stderr}")
        if len(inbox.messages) != 1:
            fail(f"only the first message may have been delivered: {inbox.messages}")

        # The whole path through esafe serve.
        settings(tmp, port, cert)  # the right password again
        db = "sqlite:" + os.path.join(tmp, "esafe.db")
        log_dir, sock = os.path.join(tmp, "log"), os.path.join(tmp, "ingest.sock")
        web_port = free_port()
        server, out = start_serve([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{web_port}", "--demo",
                                   "--activity-log", log_dir, "--ingest-socket", sock, "--smtp", good,
                                   "--monitor-terms", os.path.join(SRC, "data", "monitoring", "terms")], cwd=tmp,
                                  also=("sign in as admin with password",))
        password = out.split("sign in as admin with password ")[1].split()[0]
        client_api = Api(f"http://127.0.0.1:{web_port}")
        session = client_api.sign_in("library.eslo", password)
        api = client_api.call
        agency = session["user"]["agency_id"]
        status, added = api("POST", "/api/v1/alert-recipients", {"name": "Library DSL", "email": "dsl@library.example"})
        if status != 201:
            fail(f"setting the recipient: {status} {added}")
        # A library computer's range from the demo directory; a critical self-harm search.
        status, sites = api("GET", "/api/v1/sites?limit=500")
        ranges = [s["ip_ranges"] for s in sites if s.get("agency_id") == agency and s.get("ip_ranges")]
        if not ranges:
            fail(f"no library site with an address range: {sites}")
        first = ranges[0][0] if isinstance(ranges[0], list) else ranges[0].split(",")[0]
        client = first.split("/")[0].strip()
        client = client.rsplit(".", 1)[0] + ".77"
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        before = len(inbox.messages)
        event = {"time": now, "client": client, "agency": str(agency), "site": "Central Library",
                 "url": "https://www.google.com/search?q=how+to+kill+myself", "action": "allow"}
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(sock)
            s.sendall((json.dumps(event) + "\n\n").encode())
            ack = json.loads(s.makefile().readline())
        if ack.get("accepted") != 1:
            fail(f"ingest: {ack}")
        deadline = time.time() + 20
        while len(inbox.messages) == before and time.time() < deadline:
            time.sleep(0.2)
        if len(inbox.messages) == before:
            fail("the critical alert's e-mail did not arrive within 20 s")
        message = inbox.messages[-1]
        if message["to"] != ["dsl@library.example"] or not message["tls"] or not message["auth"]:
            fail(f"the alert e-mail: {message}")
        if "critical" not in message["data"] or "how+to+kill" in message["data"] or client in message["data"]:
            fail(f"the alert e-mail names the severity, never the search or the address: {message['data']}")
        status, alerts = api("GET", "/api/v1/alerts?state=new")
        critical = [a for a in alerts if a["severity"] == "critical"]
        if status != 200 or not critical:
            fail(f"the alert: {status} {alerts}")
        status, triaged = api("POST", f"/api/v1/alerts/{critical[0]['id']}/incident")
        if status != 201 or not triaged.get("incident_id"):
            fail(f"the alert becomes an incident: {status} {triaged}")
        print(f"ok: mail-test and the alert e-mail went over STARTTLS with AUTH; incident {triaged['incident_id']}")
    finally:
        stop(server)
        for relay in relays:
            relay.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
