#!/usr/bin/env python3
"""One event from the enforcement point to the log (issue 17, item 1).

The real `esafe squid-helper --decision-log F` decides a few Squid helper lines (a
category block, an unlisted site, a safe-search rewrite, the mandatory list, a staff
override, an IPv6 client); then `esafe log ingest DIR --stdin` takes F exactly as
written; then `esafe log search DIR` and a JSON-lines export read the events back. Every
decision line must be accepted (none rejected) and every event read back must equal its
decision line field by field.

Usage: decision_log_ingest_test.py ESAFE_BIN
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

BIN = sys.argv[1]

PROFILES = """version: "e2e-1"
default_profile: pupil
mandatory:
  - {category: iwf, file: iwf.hashes, format: hashes}
profiles:
  - name: pupil
    safe_search: true
    block: [adult, gambling]
  - name: staff
    block: [gambling]
    overrides:
      allow: [casino.test]
clients:
  - {cidr: 127.0.0.2/32, profile: pupil}
  - {cidr: 127.0.0.3/32, profile: staff}
  - {cidr: "2001:db8::/32", profile: staff}
"""

# Squid url_rewrite_program lines with channel IDs: ID URL client/fqdn user method.
REQUESTS = [
    "0 http://adult.test/page 127.0.0.2/- - GET",
    "1 http://ok.test/ 127.0.0.2/- - GET",
    "2 http://www.google.com/search?q=x 127.0.0.2/- - GET",
    "3 http://mandatory.test/hidden 127.0.0.3/- pupil-7 GET",
    "4 http://casino.test/ 127.0.0.3/- - GET",
    "5 http://casino.test/ 127.0.0.2/- - GET",
    "6 http://[2001:db8::5]/x?y=1 2001:db8::1/- - GET",
    "7 http://adult.test/other 2001:db8::1/- - GET",
]

FIELDS = ["time", "client", "user", "site", "agency", "profile", "url", "host", "category", "list",
          "list_version", "action", "point", "reason", "entry", "node", "safe_search"]


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def run(args, stdin=None):
    out = subprocess.run([BIN] + args, input=stdin, capture_output=True, text=True, timeout=120)
    if out.returncode != 0:
        fail(f"{' '.join(args)} exited {out.returncode}: {out.stderr}")
    return out


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-decision-ingest-")
    try:
        os.makedirs(os.path.join(tmp, "lists", "adult"))
        os.makedirs(os.path.join(tmp, "lists", "gambling"))
        with open(os.path.join(tmp, "lists", "adult", "domains"), "w") as f:
            f.write("adult.test\n")
        with open(os.path.join(tmp, "lists", "gambling", "domains"), "w") as f:
            f.write("casino.test\n")
        with open(os.path.join(tmp, "iwf.hashes"), "w") as f:
            f.write(hashlib.sha256(b"mandatory.test/hidden").hexdigest() + "\n")
        with open(os.path.join(tmp, "profiles.yaml"), "w") as f:
            f.write(PROFILES)
        decisions = os.path.join(tmp, "decisions.jsonl")
        log_dir = os.path.join(tmp, "log")

        helper = run(["squid-helper", "--profiles", os.path.join(tmp, "profiles.yaml"), "--lists",
                      os.path.join(tmp, "lists"), "--decision-log", decisions, "--block-page",
                      "http://blocked.test/blocked", "--channels", "yes"],
                     stdin="\n".join(REQUESTS) + "\n")
        replies = helper.stdout.strip().splitlines()
        if len(replies) != len(REQUESTS):
            fail(f"{len(REQUESTS)} requests, {len(replies)} replies: {replies}")
        with open(decisions) as f:
            lines = [line.rstrip("\n") for line in f if line.strip()]
        if len(lines) != len(REQUESTS):
            fail(f"{len(REQUESTS)} requests, {len(lines)} decision lines:\n" + "\n".join(lines))
        written = [json.loads(line) for line in lines]
        for event in written:
            if list(event.keys()) != FIELDS:
                fail(f"a decision line does not have every field of the event, in order: {event}")
        by_url = {e["url"]: e for e in written}
        # What the decisions must say, so that the comparison below compares something.
        expect = {
            "http://adult.test/page": {"action": "block", "reason": "category", "category": "adult",
                                       "list": "adult", "entry": "adult.test", "profile": "pupil",
                                       "client": "127.0.0.2", "host": "adult.test"},
            "http://ok.test/": {"action": "allow", "reason": "no match", "entry": "", "category": ""},
            "http://mandatory.test/hidden": {"action": "block", "reason": "mandatory list", "user": "pupil-7",
                                             "profile": "staff"},
            "http://casino.test/": None,  # twice; checked below
            "http://[2001:db8::5]/x?y=1": {"client": "2001:db8::1", "host": "2001:db8::5", "profile": "staff"},
        }
        for url, want in expect.items():
            if url not in by_url:
                fail(f"no decision for {url}: {list(by_url)}")
            for key, value in (want or {}).items():
                if by_url[url][key] != value:
                    fail(f"{url}: {key} is {by_url[url][key]!r}, expected {value!r}")
        search = [e for e in written if e["host"] == "www.google.com"]
        if len(search) != 1 or search[0]["safe_search"] is not True:
            fail(f"the pupil's search was not recorded as rewritten for safe search: {search}")
        if sum(1 for e in written if e["safe_search"]) != 1:
            fail("only the search is rewritten for safe search")
        casino = sorted((e["client"], e["action"], e["reason"]) for e in written if e["host"] == "casino.test")
        if casino != [("127.0.0.2", "block", "category"), ("127.0.0.3", "allow", "override")]:
            fail(f"casino.test decisions: {casino}")
        for e in written:
            if e["point"] != "squid-helper" or e["node"] != "" or not e["list_version"].startswith("e2e-1/"):
                fail(f"point, node or list_version: {e}")
            if len(e["time"]) != len("2026-11-23T09:15:02.125000Z"):
                fail(f"time is not written with microseconds: {e['time']}")

        # A decision log that cannot be written (a full disk) is said once on stderr, never on
        # stdout (Squid's channel), and the helper keeps answering.
        full = run(["squid-helper", "--profiles", os.path.join(tmp, "profiles.yaml"), "--lists",
                    os.path.join(tmp, "lists"), "--decision-log", "/dev/full", "--block-page",
                    "http://blocked.test/blocked", "--channels", "yes"],
                   stdin="\n".join(REQUESTS) + "\n")
        # Channel IDs let the helper answer out of order: compare as sets.
        if sorted(full.stdout.strip().splitlines()) != sorted(replies):
            fail(f"with --decision-log /dev/full the replies differ: {full.stdout!r}")
        if full.stderr.count("decision log /dev/full") != 1 or "No space left on device" not in full.stderr:
            fail(f"with --decision-log /dev/full, expected one error line on stderr: {full.stderr!r}")

        # The file as written goes into the log: every line accepted.
        with open(decisions) as f:
            ingest = run(["log", "ingest", log_dir, "--stdin"], stdin=f.read())
        summary = json.loads(ingest.stdout.strip().splitlines()[-1])
        if summary != {"accepted": len(lines), "rejected": 0} or ingest.stderr.strip():
            fail(f"ingest: {summary} {ingest.stderr}")

        def compare(read_back, how):
            if len(read_back) != len(written):
                fail(f"{how}: {len(read_back)} events read back, {len(written)} written")
            key = lambda e: (e["time"], e["url"], e["client"])  # noqa: E731
            for got, want in zip(sorted(read_back, key=key), sorted(written, key=key)):
                for field in FIELDS:
                    if got.get(field) != want[field]:
                        fail(f"{how}: {field} is {got.get(field)!r}, the decision line said {want[field]!r}")
                if set(got) != set(FIELDS):
                    fail(f"{how}: unexpected fields {sorted(set(got) - set(FIELDS))}")

        searched = run(["log", "search", log_dir])
        compare([json.loads(line) for line in searched.stdout.splitlines() if line.strip()], "log search")
        export = os.path.join(tmp, "export.jsonl")
        run(["log", "search", log_dir, "--format", "jsonl", "--out", export])
        with open(export) as f:
            compare([json.loads(line) for line in f if line.strip()], "jsonl export")
        # The new fields are searchable too.
        mandatory = run(["log", "search", log_dir, "--reason", "mandatory list", "--point", "squid-helper"])
        got = [json.loads(line)["url"] for line in mandatory.stdout.splitlines() if line.strip()]
        if got != ["http://mandatory.test/hidden"]:
            fail(f"search by reason: {got}")
        verify = subprocess.run([BIN, "log", "verify", log_dir], capture_output=True, text=True, timeout=60)
        if verify.returncode != 0:
            fail(f"log verify: {verify.stdout} {verify.stderr}")
        print(f"ok: {len(lines)} decisions ingested and read back field by field")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
