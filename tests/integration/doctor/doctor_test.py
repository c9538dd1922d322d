"""esafe doctor through the real binary (issue 18, item 5):

- a healthy deployment (configuration file, fresh database, fresh list files, a real
  SMTP relay from python3-aiosmtpd on loopback, no demo accounts): exit 0, no problem;
- broken on purpose (database chmod 0644, list files 60 days old, the relay stopped,
  demo accounts loaded): exit 1, each of the four named as a problem with what to do,
  and the healthy checks still ok;
- the same deployment served without --demo, one demo account enabled again behind its
  back: GET /api/v1/health/details shows the partnership administrator the same
  problems as doctor; a board member gets 403, nobody signed in 401.

    doctor_test.py PATH/TO/esafe SOURCE_DIR
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from aiosmtpd.controller import Controller

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import Api, fail, free_port, start_serve, stop  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
PASSWORD = "doctor-test-password-1"
ENV = {k: v for k, v in os.environ.items() if k not in ("ESAFE_DATA_DIR", "ESAFE_CONFIG")}


def esafe(*args, **kwargs):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, env=ENV, **kwargs)


class Sink:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        return "250 OK"


def doctor(config):
    """(exit code, {name: check}) of esafe doctor --json."""
    run = esafe("--config", config, "doctor", "--json")
    try:
        checks = {c["name"]: c for c in json.loads(run.stdout)["checks"]}
    except (ValueError, KeyError):
        fail(f"doctor --json did not print JSON: {run.stdout} {run.stderr}")
    return run.returncode, checks


def problems(checks):
    return {name for name, c in checks.items() if c["status"] == "problem"}


def expect(checks, name_start, status, advice="", exact=False):
    found = [c for name, c in checks.items() if name == name_start or (not exact and name.startswith(name_start))]
    if not found:
        fail(f"no check named {name_start}…: {sorted(checks)}")
    for c in found:
        if c["status"] != status:
            fail(f"{c['name']}: expected {status}, got {c['status']}: {c['detail']}")
        if advice and advice not in c["advice"]:
            fail(f"{c['name']}: the advice does not say {advice!r}: {c['advice']}")


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-doctor-")
    relay = server = None
    try:
        etc, lib = os.path.join(tmp, "etc"), os.path.join(tmp, "lib")
        os.mkdir(etc)
        os.mkdir(lib, 0o750)
        # Copied without their times: fresh lists, however old the checkout.
        shutil.copytree(os.path.join(SOURCE, "data", "filter"), os.path.join(etc, "filter"), copy_function=shutil.copy)
        os.makedirs(os.path.join(etc, "lists", "adult"))
        with open(os.path.join(etc, "lists", "adult", "domains"), "w") as f:
            f.write("adult.example\n")
        smtp_port, port = free_port(), free_port()
        relay = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
        relay.start()
        config = os.path.join(etc, "esafe.yaml")
        with open(config, "w") as f:
            f.write(f"serve:\n  db: sqlite:../lib/esafe.db\n  listen: 127.0.0.1:{port}\n  threads: 2\n"
                    f"  no-require-totp: true\n  profiles: filter/profiles.yaml\n"
                    f"icap:\n  lists: lists\n"
                    f"smtp:\n  host: 127.0.0.1\n  port: {smtp_port}\n  from: alerts@esafe.example\n")
        os.chmod(config, 0o640)
        db_path = os.path.join(lib, "esafe.db")
        db = "sqlite:" + db_path
        for user, role in (("chief", "partnership_admin"), ("trustee", "board_member")):
            added = esafe("user", "add", "--db", db, "--username", user, "--name", user, "--role", role,
                          input=PASSWORD + "\n")
            if added.returncode != 0:
                fail(f"user add {user}: {added.stderr}")

        # Healthy.
        code, checks = doctor(config)
        if code != 0 or problems(checks):
            fail(f"a healthy deployment: exit {code}, problems {problems(checks)}: {checks}")
        for name in ("configuration", "database", "database file modes", "demo accounts", "mandatory list",
                     "category lists", "SMTP relay"):
            expect(checks, name, "ok")
        expect(checks, "TLS certificate", "not configured")
        expect(checks, "activity log", "not configured")
        text = esafe("--config", config, "doctor")
        if text.returncode != 0 or "problem" in text.stdout or "ok             SMTP relay" not in text.stdout:
            fail(f"doctor's text on a healthy deployment: {text.returncode} {text.stdout} {text.stderr}")

        # A misspelt key does not stop doctor: it is the configuration check's problem, with its line.
        bad = os.path.join(etc, "bad.yaml")
        with open(bad, "w") as f:
            f.write("serve:\n  dbb: sqlite:../lib/esafe.db\n")
        code, bad_checks = doctor(bad)
        if code != 1 or "bad.yaml:2" not in bad_checks.get("configuration", {}).get("detail", ""):
            fail(f"a misspelt key: exit {code}, {bad_checks.get('configuration')}")

        # Broken on purpose.
        os.chmod(db_path, 0o644)
        sixty_days_ago = time.time() - 60 * 86400
        for folder in ("filter", "lists"):
            for root, _, files in os.walk(os.path.join(etc, folder)):
                for name in files:
                    os.utime(os.path.join(root, name), (sixty_days_ago, sixty_days_ago))
        relay.stop()
        relay = None
        loaded = esafe("demo", "load", "--db", db)
        if loaded.returncode != 0:
            fail(f"demo load: {loaded.stdout} {loaded.stderr}")
        code, checks = doctor(config)
        if code != 1:
            fail(f"a broken deployment: exit {code}, expected 1: {checks}")
        expect(checks, "database file modes", "problem", f"chmod 0640 {db_path}")
        expect(checks, "mandatory list", "problem", "update the lists")
        expect(checks, "category lists", "problem", "update the lists")
        expect(checks, "SMTP relay", "problem", f"127.0.0.1:{smtp_port}")
        expect(checks, "demo accounts", "problem", "without --demo")
        for name in ("configuration", "database"):
            expect(checks, name, "ok", exact=True)
        text = esafe("--config", config, "doctor")
        for words in ("problem        database file modes", "problem        SMTP relay", "problem        demo accounts",
                      "readable by every user on the server"):
            if words not in text.stdout:
                fail(f"doctor's text does not say {words!r}: {text.stdout}")

        # The same through the route. serve without --demo suspends the demo accounts; one is
        # enabled again behind its back, as an administrator's stray UPDATE would.
        server, out = start_serve([BIN, "--config", config, "serve"], cwd="/")
        with sqlite3.connect(db_path) as c:
            c.execute("UPDATE users SET demo_suspended = 0 WHERE demo = 1 AND username = 'admin'")
        code, checks = doctor(config)
        api = Api(f"http://127.0.0.1:{port}")
        status, body = api.call("GET", "/api/v1/health/details")
        if status != 401:
            fail(f"anonymous: expected 401, got {status} {body}")
        api.sign_in("chief", PASSWORD)
        status, body = api.call("GET", "/api/v1/health/details")
        if status != 200 or body.get("status") != "problem":
            fail(f"health/details for the administrator: {status} {body}")
        routed = {c["name"]: c for c in body["checks"]}
        if problems(routed) != problems(checks) or len(problems(checks)) < 5:
            fail(f"the route and doctor disagree: route {problems(routed)}, doctor {problems(checks)}")
        expect(routed, "demo accounts", "problem")
        board = Api(f"http://127.0.0.1:{port}")
        board.sign_in("trustee", PASSWORD)
        status, body = board.call("GET", "/api/v1/health/details")
        if status != 403:
            fail(f"a board member: expected 403, got {status} {body}")
        print("ok: doctor and GET /api/v1/health/details name each broken item")
    finally:
        stop(server)
        if relay:
            relay.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
