#!/usr/bin/env python3
"""`esafe backup` while `esafe serve` writes, and `esafe restore` (issue 18, item 4).

A real `esafe serve --demo --activity-log DIR --ingest-socket SOCK --seal-interval 1` on
loopback, with a few hundred thousand events in its log. A thread keeps writing: people
through the HTTP API and batches of events through the ingest socket, noting when each
was acknowledged. `esafe backup` runs in the middle of that. Every write acknowledged
before the backup began must come back after `esafe restore` into a new folder: the
people through the API of a `serve` started on the restored database, the events
through `esafe log search`; `esafe log verify` passes on the restored log. Then the
refusals: a backup into a folder that is not empty, a restore over a database that is
not empty without --force, and a restore of a tampered or incomplete backup.

Usage: backup_restore_test.py ESAFE_BIN
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
from esafe_server import Api, fail, free_port, send_batch, start_serve, stop  # noqa: E402

BIN = sys.argv[1]


def event(url, n):
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"time": when, "client": f"10.1.{n % 200}.{n % 250}", "url": url, "agency": "1",
                       "action": "block" if n % 3 == 0 else "allow"})


def run(args, timeout=120):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


T0 = time.monotonic()


def phase(what):
    print(f"{time.monotonic() - T0:6.1f} s  {what}", flush=True)


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-backup-")
    server = None
    try:
        live = os.path.join(tmp, "live")
        os.makedirs(live)
        db = "sqlite:" + os.path.join(live, "esafe.db")
        log_dir = os.path.join(live, "log")
        sock = os.path.join(live, "ingest.sock")
        port = free_port()
        server, _ = start_serve([BIN, "serve", "--demo", "--db", db, "--listen", f"127.0.0.1:{port}",
                                 "--activity-log", log_dir, "--ingest-socket", sock, "--seal-interval", "1"],
                                also=("demo-login.txt",))
        with open(os.path.join(live, "demo-login.txt")) as f:
            password = f.read().strip()
        phase("serve --demo started")
        api = Api(f"http://127.0.0.1:{port}")
        api.sign_in("admin", password)
        status, agencies = api.call("GET", "/api/v1/agencies")
        if status != 200 or not agencies:
            fail(f"listing agencies: {status} {agencies}")
        agency_id = agencies[0]["id"]

        # Enough in the log that copying it takes a while: 50,000 events beside the demo's.
        for b in range(10):
            lines = [event(f"http://bulk.example/{b}/{i}", i) for i in range(5000)]
            ack = send_batch(sock, lines)
            if not ack.get("ok") or ack.get("accepted") != 5000:
                fail(f"bulk batch {b}: {ack}")

        phase("bulk events ingested")
        halt = threading.Event()
        acked_people = []   # (monotonic time acknowledged, id, name)
        acked_batches = []  # (monotonic time acknowledged, [urls])
        problems = []

        def writer():
            n = 0
            while not halt.is_set():
                n += 1
                name = f"Backup Tester {n}"
                status, person = api.call("POST", "/api/v1/people", {
                    "agency_id": agency_id, "full_name": name, "esafety_role": "none", "subgroup_role": "none"})
                if status == 201:
                    acked_people.append((time.monotonic(), person["id"], name))
                else:
                    problems.append(f"person {n}: {status} {person}")
                urls = [f"http://during.example/{n}/{i}" for i in range(50)]
                try:
                    ack = send_batch(sock, [event(u, i) for i, u in enumerate(urls)])
                except OSError as e:
                    problems.append(f"batch {n}: {e}")
                    continue
                if ack.get("ok") and ack.get("accepted") == len(urls):
                    acked_batches.append((time.monotonic(), urls))
                else:
                    problems.append(f"batch {n}: {ack}")

        thread = threading.Thread(target=writer)
        thread.start()
        while len(acked_batches) < 20 and thread.is_alive():
            time.sleep(0.05)

        backup_dir = os.path.join(tmp, "backup")
        began = time.monotonic()
        taken = run(["backup", backup_dir, "--db", db, "--activity-log", log_dir])
        ended = time.monotonic()
        time.sleep(0.5)  # the writes go on after the backup too
        halt.set()
        thread.join()
        if taken.returncode != 0:
            fail(f"esafe backup: exit {taken.returncode}: {taken.stdout} {taken.stderr}")
        print(taken.stdout.strip())
        if problems:
            fail(f"writes refused while the backup ran: {problems[:5]}")
        during = [t for t, _ in acked_batches if began <= t <= ended] + [t for t, _, _ in acked_people
                                                                           if began <= t <= ended]
        people_before = [(i, name) for t, i, name in acked_people if t < began]
        urls_before = [u for t, urls in acked_batches if t < began for u in urls]
        print(f"backup took {ended - began:.2f} s; {len(during)} writes acknowledged during it; "
              f"{len(people_before)} people and {len(urls_before)} events acknowledged before it")
        if not during:
            fail("no write was acknowledged while the backup ran: the copy window is too short to test anything")
        stop(server)
        server = None

        with open(os.path.join(backup_dir, "manifest.json")) as f:
            manifest = json.load(f)
        paths = {f["path"] for f in manifest["files"]}
        if manifest["database"]["kind"] != "sqlite" or manifest["database"]["schema_version"] < 13:
            fail(f"manifest database: {manifest['database']}")
        if "database.sqlite" not in paths or "activity/chain.log" not in paths:
            fail(f"manifest files: {sorted(paths)}")
        if os.path.exists(os.path.join(backup_dir, "demo-login.txt")):
            fail("the demo password file was copied into the backup")
        if os.stat(os.path.join(backup_dir, "database.sqlite")).st_mode & 0o777 != 0o600:
            fail("the database copy is not 0600")

        phase("backup taken, serve stopped")
        # Restore into a new folder and find every write acknowledged before the backup.
        restored = os.path.join(tmp, "restored")
        rdb = "sqlite:" + os.path.join(restored, "esafe.db")
        rlog = os.path.join(restored, "log")
        done = run(["restore", backup_dir, "--db", rdb, "--activity-log", rlog])
        if done.returncode != 0:
            fail(f"esafe restore: exit {done.returncode}: {done.stdout} {done.stderr}")
        print(done.stdout.strip())

        verified = run(["log", "verify", rlog])
        if verified.returncode != 0:
            fail(f"log verify on the restored log: {verified.stdout} {verified.stderr}")

        phase("restored and verified")
        port = free_port()
        # --demo again: without it the restored demo accounts would be suspended.
        server, _ = start_serve([BIN, "serve", "--demo", "--db", rdb, "--listen", f"127.0.0.1:{port}",
                                 "--activity-log", rlog])
        api = Api(f"http://127.0.0.1:{port}")
        api.sign_in("admin", password)
        for person_id, name in people_before:
            status, person = api.call("GET", f"/api/v1/people/{person_id}")
            if status != 200 or person.get("full_name") != name:
                fail(f"person {person_id} ({name}) acknowledged before the backup is not restored: {status} {person}")
        stop(server)
        server = None

        phase("people found through the API")
        found = run(["log", "search", rlog, "--host", "during.example"])
        if found.returncode != 0:
            fail(f"log search: {found.stderr}")
        restored_urls = {json.loads(line)["url"] for line in found.stdout.splitlines() if line.strip()}
        missing = [u for u in urls_before if u not in restored_urls]
        if missing:
            fail(f"{len(missing)} events acknowledged before the backup are not in the restored log, e.g. {missing[:3]}")
        bulk = run(["log", "search", rlog, "--host", "bulk.example", "--count-by", "host"])
        if '"count":50000' not in bulk.stdout.replace(" ", ""):
            fail(f"the bulk events are not all restored: {bulk.stdout} {bulk.stderr}")

        phase("events found with log search")
        # Refusals.
        refused = run(["backup", backup_dir, "--db", rdb, "--activity-log", rlog])
        if refused.returncode != 2 or "not empty" not in refused.stderr:
            fail(f"a backup into a folder that is not empty: exit {refused.returncode} {refused.stderr}")
        over = run(["restore", backup_dir, "--db", rdb, "--activity-log", os.path.join(tmp, "other-log")])
        if over.returncode != 2 or "--force" not in over.stderr or os.path.exists(os.path.join(tmp, "other-log")):
            fail(f"a restore over a database that is not empty: exit {over.returncode} {over.stderr}")

        tampered = os.path.join(tmp, "tampered")
        shutil.copytree(backup_dir, tampered)
        segment = next(f["path"] for f in manifest["files"] if f["path"].endswith(".esl"))
        with open(os.path.join(tampered, segment), "r+b") as f:
            f.seek(100)
            byte = f.read(1)
            f.seek(100)
            f.write(bytes([byte[0] ^ 1]))
        target = os.path.join(tmp, "from-tampered")
        bad = run(["restore", tampered, "--db", "sqlite:" + os.path.join(target, "esafe.db"),
                   "--activity-log", os.path.join(target, "log")])
        if bad.returncode != 1 or "does not match the manifest" not in bad.stderr or os.path.exists(target):
            fail(f"a tampered backup: exit {bad.returncode} {bad.stderr}")
        os.remove(os.path.join(tampered, segment))
        gone = run(["restore", tampered, "--db", "sqlite:" + os.path.join(target, "esafe.db"),
                    "--activity-log", os.path.join(target, "log")])
        if gone.returncode != 1 or "missing" not in gone.stderr or os.path.exists(target):
            fail(f"a backup missing a file: exit {gone.returncode} {gone.stderr}")
        print("PASS")
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
