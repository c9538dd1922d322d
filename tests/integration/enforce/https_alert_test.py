#!/usr/bin/python3
"""The whole chain for a risky search over HTTPS (issue 17, Done when 3): a library
computer searches Google over HTTPS through Squid's shipped ssl_bump configuration;
`esafe icap` (with the directory, so the computer's address names its site and agency)
decides the decrypted search and sends the decision to `esafe serve` through its spool
and the ingest socket; monitoring raises a critical alert, whose e-mail reaches a local
SMTP relay (python3-aiosmtpd) over STARTTLS with AUTH, addressed to the recipient the
library's officer set through the API the Alerts page uses; the alert becomes an incident.

It reuses the ssl_bump test's Squid, CA and origin (ssl_bump_test.py) and the STARTTLS
test's relay (smtp_starttls_test.py).

Usage: https_alert_test.py ESAFE_BIN SOURCE_DIR
"""
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "support"))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "monitoring"))
from esafe_server import Api, fail, free_port, start_serve, stop  # noqa: E402
import smtp_starttls_test as smtp  # noqa: E402
import ssl_bump_test as bump  # noqa: E402

BIN, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
LIBRARY_COMPUTER = "127.0.0.9"  # added to a library site's address ranges below


def main():
    if not os.path.exists(bump.SQUID) or not os.path.exists(bump.CERTGEN):
        print("SKIP: Squid with OpenSSL (squid-openssl) is not installed")
        sys.exit(77)
    tmp = tempfile.mkdtemp(prefix="esafe-https-alert-")
    os.chmod(tmp, 0o777)  # Squid's helpers run as proxy
    relay = server = icap = squid = origin = None
    ok = False
    try:
        # The mail relay, and the server with its log, ingest socket and alert e-mail.
        key, cert = smtp.make_cert(tmp, "relay", "localhost")
        inbox = smtp.Inbox()
        smtp_port = free_port()
        relay = smtp.start_relay(inbox, smtp_port, cert, key)
        smtp_file = smtp.settings(tmp, smtp_port, cert)
        bump.write_policy(tmp)  # the profiles the server offers sites and esafe icap enforces
        db_path = os.path.join(tmp, "esafe.db")
        sock = os.path.join(tmp, "ingest.sock")
        web_port = free_port()
        server, out = start_serve([BIN, "serve", "--db", "sqlite:" + db_path, "--listen", f"127.0.0.1:{web_port}",
                                   "--demo", "--activity-log", os.path.join(tmp, "log"), "--ingest-socket", sock,
                                   "--profiles", os.path.join(tmp, "profiles.yaml"), "--smtp", smtp_file,
                                   "--monitor-terms",
                                   os.path.join(SRC, "data", "monitoring", "terms")],
                                  cwd=tmp, also=("sign in as admin with password",))
        password = out.split("sign in as admin with password ")[1].split()[0]

        # The library's officer names the alert recipient, registers the computer's address and
        # gives its site a filtering profile (the directory page's fields).
        api = Api(f"http://127.0.0.1:{web_port}")
        session = api.sign_in("library.eslo", password)
        agency = session["user"]["agency_id"]
        status, added = api.call("POST", "/api/v1/alert-recipients",
                                 {"name": "Library DSL", "email": "dsl@library.example"})
        if status != 201:
            fail(f"setting the recipient: {status} {added}")
        status, sites = api.call("GET", "/api/v1/sites?limit=500")
        site = next((s for s in sites if s.get("agency_id") == agency), None)
        if status != 200 or site is None:
            fail(f"no library site: {status} {sites}")
        ranges = list(site.get("ip_ranges") or []) + [f"{LIBRARY_COMPUTER}/32"]
        status, changed = api.call("PATCH", f"/api/v1/sites/{site['id']}", {"ip_ranges": ranges})
        if status != 200:
            fail(f"adding the computer's address to {site['name']}: {status} {changed}")
        status, profile = api.call("PUT", f"/api/v1/sites/{site['id']}/filtering-profile", {"profile": "pupil"})
        if status != 200:
            fail(f"setting {site['name']}'s filtering profile: {status} {profile}")

        # Squid with the shipped ssl_bump configuration; esafe icap sends to the server.
        bump.icap_logging = lambda t: ["--db", "sqlite:" + db_path, "--log-to", "unix:" + sock, "--node",
                                       "library-proxy", "--spool", os.path.join(t, "spool")]
        bump.PUPIL = LIBRARY_COMPUTER
        ca_dir, cert_db = bump.make_deployment_ca(tmp)
        ca_pem = os.path.join(ca_dir, "esafe-ca.pem")
        origin_ca, server_cert, server_key = bump.make_origin_pki(tmp)
        origin = bump.Origin(server_cert, server_key)
        icap, icap_port = bump.start_icap(tmp)
        http_port = free_port()
        bump.squid_config(tmp, http_port, icap_port, ca_dir, cert_db, origin_ca)
        squid = bump.start_squid(tmp, http_port)

        before = len(inbox.messages)
        status, body, issuer = bump.fetch(http_port, "www.google.com", origin.port, "/search?q=how+to+kill+myself",
                                          ca_pem)
        if status != 200 or issuer != "esafe interception CA":
            fail(f"the search through the bumping proxy: {status} {issuer!r} {body}")
        deadline = time.time() + 30
        while len(inbox.messages) == before and time.time() < deadline:
            time.sleep(0.2)
        if len(inbox.messages) == before:
            fail("the critical alert's e-mail did not arrive within 30 s")
        message = inbox.messages[-1]
        if message["to"] != ["dsl@library.example"] or not message["tls"] or not message["auth"]:
            fail(f"the alert e-mail: {message}")
        if "critical" not in message["data"] or "kill" in message["data"] or LIBRARY_COMPUTER in message["data"]:
            fail(f"the alert e-mail names the severity, never the search or the address: {message['data']}")
        status, alerts = api.call("GET", "/api/v1/alerts?state=new")
        critical = [a for a in alerts if a["severity"] == "critical"]
        if status != 200 or not critical:
            fail(f"the alert: {status} {alerts}")
        status, triaged = api.call("POST", f"/api/v1/alerts/{critical[0]['id']}/incident")
        if status != 201 or not triaged.get("incident_id"):
            fail(f"the alert becomes an incident: {status} {triaged}")
        ok = True
        print(f"ok: HTTPS search bumped, decided, shipped to serve; alert e-mailed over STARTTLS with AUTH to the "
              f"library's recipient; incident {triaged['incident_id']}")
    finally:
        if not ok:
            print("--- esafe icap\n" + bump.slurp(os.path.join(tmp, "icap.err")))
            print("--- access.log\n" + bump.slurp(os.path.join(tmp, "access.log")))
        bump.stop_group(squid)
        bump.stop_group(icap)
        if origin:
            origin.stop()
        stop(server)
        if relay:
            relay.stop()
        if not os.environ.get("ESAFE_KEEP_TEMP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
