#!/usr/bin/env python3
"""The activity log is sealed and kept while `esafe serve` ingests (issue 17, item 4).

A real `esafe serve --activity-log DIR --ingest-socket SOCK --seal-interval 2` on loopback:
events sent to the ingest socket appear in `esafe log verify` as sealed segments within
seconds; while a sender keeps sending, a legal hold is placed and a retention run deletes
the expired events the hold does not cover, both through the HTTP API; the log verifies
afterwards and every batch sent was acknowledged.

Usage: serve_log_maintenance_test.py ESAFE_BIN
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import add_user, Api, fail, free_port, send_batch, start_serve, stop  # noqa: E402

BIN = sys.argv[1]
PASSWORD = "maintenance-test-password-1"


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def event(when, client, n):
    return json.dumps({"time": iso(when), "client": client, "url": f"http://site{n}.example/page",
                       "agency": "1", "action": "block" if n % 3 == 0 else "allow"})


def verify(log_dir):
    out = subprocess.run([BIN, "log", "verify", log_dir], capture_output=True, text=True, timeout=60)
    try:
        report = json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        fail(f"log verify printed no report: {out.stdout!r} {out.stderr!r}")
    return out.returncode, report


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-maintenance-")
    server = None
    try:
        db = "sqlite:" + os.path.join(tmp, "esafe.db")
        log_dir = os.path.join(tmp, "log")
        sock = os.path.join(tmp, "ingest.sock")
        add_user(BIN, db, "admin", PASSWORD, name="Admin")
        port = free_port()
        # The administrator signs in with a password only: two-step sign-in is not what this tests.
        server, _ = start_serve([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--activity-log",
                                 log_dir, "--ingest-socket", sock, "--seal-interval", "2", "--no-require-totp"])

        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        old = now - datetime.timedelta(days=200)
        # 40 recent events, and 20 from 200 days ago: half from a held address, half not.
        recent = [event(now - datetime.timedelta(minutes=i), "10.1.0.5", i) for i in range(40)]
        expired = [event(old + datetime.timedelta(minutes=i), "10.9.0.1" if i % 2 == 0 else "10.9.0.2", i)
                   for i in range(20)]
        ack = send_batch(sock, recent + expired, timeout=10)
        if not ack.get("ok") or ack.get("accepted") != 60:
            fail(f"first batch: {ack}")

        # Sealed within seconds: verify sees a segment holding every event.
        deadline = time.time() + 15
        while True:
            rc, report = verify(log_dir)
            if rc == 0 and report["segments"] >= 1 and report["unsealed_events"] == 0 and report["events"] == 60:
                break
            if time.time() > deadline:
                fail(f"not sealed within 15 s with --seal-interval 2: {report}")
            time.sleep(0.5)
        print(f"sealed within {15 - (deadline - time.time()):.1f} s: {report['segments']} segment(s)")

        # A sender keeps sending while the hold and the retention run go through the API.
        halt = threading.Event()
        sent = {"batches": 0, "events": 0, "bad": []}

        def sender():
            n = 1000
            while not halt.is_set():
                lines = [event(datetime.datetime.now(datetime.timezone.utc), "10.1.0.6", n + i) for i in range(10)]
                n += 10
                try:
                    reply = send_batch(sock, lines, timeout=10)
                except OSError as e:
                    sent["bad"].append(str(e))
                    continue
                if reply.get("ok") and reply.get("accepted") == 10:
                    sent["batches"] += 1
                    sent["events"] += 10
                else:
                    sent["bad"].append(reply)
                time.sleep(0.05)

        thread = threading.Thread(target=sender)
        thread.start()
        api = Api(f"http://127.0.0.1:{port}")
        api.sign_in("admin", PASSWORD)
        status, hold = api.call("POST", "/api/v1/activity/holds",
                                {"id": "INC-2026-17", "cidr": "10.9.0.1/32", "reason": "incident 17: police asked"})
        if status != 201:
            fail(f"placing the hold: {status} {hold}")
        status, holds = api.call("GET", "/api/v1/activity/holds")
        if status != 200 or [h["id"] for h in holds] != ["INC-2026-17"]:
            fail(f"listing holds: {status} {holds}")
        status, run = api.call("POST", "/api/v1/activity/retention")
        if status != 200:
            fail(f"retention run: {status} {run}")
        if run["events_deleted"] != 10 or run["events_kept_by_hold"] != 10:
            fail(f"retention should delete the 10 unheld expired events and keep the 10 held: {run}")
        time.sleep(3)  # the sender keeps going past another timed seal
        halt.set()
        thread.join()
        if sent["bad"] or sent["batches"] < 5:
            fail(f"the sender was not served throughout: {sent}")

        deadline = time.time() + 15
        expected = 60 - 10 + sent["events"]
        while True:
            rc, report = verify(log_dir)
            if rc == 0 and report["unsealed_events"] == 0 and report["events"] == expected:
                break
            if time.time() > deadline:
                fail(f"after retention the log should verify with {expected} events, all sealed: rc={rc} {report}")
            time.sleep(0.5)
        if report["lawful_deletions"] < 1:
            fail(f"the retention run is a chain entry: {report}")
        status, refused = api.call("POST", "/api/v1/activity/holds", {"id": "INC-2026-17", "cidr": "10.9.0.1/32",
                                                                      "reason": "again"})
        if status != 409:
            fail(f"a duplicate hold id: {status} {refused}")
        print(f"ok: {sent['batches']} batches acknowledged during the hold and retention run; {report['events']} "
              f"events verify in {report['segments']} segments")
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
