#!/usr/bin/env python3
"""SIGHUP reloads an enforcement point's policy (issue 18, item 3): `systemctl reload`.

The real `esafe squid-helper --decision-log F` answers a request for a site in the games
list (allowed: the profile blocks adult only). The profiles file is changed to block games
and F is renamed away, as logrotate does; after SIGHUP the same request is blocked and its
decision lands in a new F. Then a broken profiles file and SIGHUP: the reload is refused
with a reason, the helper keeps running, and the games block stays in force.

Usage: sighup_reload_test.py ESAFE_BIN
"""
import hashlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BIN = sys.argv[1]

PROFILES = """version: "{version}"
default_profile: pupil
mandatory:
  - {{category: iwf, file: iwf.hashes, format: hashes}}
profiles:
  - name: pupil
    block: [{block}]
"""
REQUEST = "http://games.test/play 127.0.0.2/- - GET\n"


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-sighup-")
    helper = None
    try:
        for category, domain in (("adult", "adult.test"), ("games", "games.test")):
            os.makedirs(os.path.join(tmp, "lists", category))
            with open(os.path.join(tmp, "lists", category, "domains"), "w") as f:
                f.write(domain + "\n")
        with open(os.path.join(tmp, "iwf.hashes"), "w") as f:
            f.write(hashlib.sha256(b"mandatory.test/hidden").hexdigest() + "\n")
        profiles = os.path.join(tmp, "profiles.yaml")
        decisions = os.path.join(tmp, "decisions.jsonl")
        with open(profiles, "w") as f:
            f.write(PROFILES.format(version="v1", block="adult"))
        helper = subprocess.Popen(
            [BIN, "squid-helper", "--channels", "no", "--profiles", profiles, "--lists", os.path.join(tmp, "lists"),
             "--decision-log", decisions],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        said = queue.Queue()
        threading.Thread(target=lambda: [said.put(line) for line in helper.stderr], daemon=True).start()

        def ask():
            helper.stdin.write(REQUEST)
            helper.stdin.flush()
            answer = helper.stdout.readline()
            if not answer:
                fail("the helper closed its output")
            return answer.strip()

        def hang_up_and_wait_for(text):
            helper.send_signal(signal.SIGHUP)
            deadline = time.time() + 20
            while time.time() < deadline:
                try:
                    line = said.get(timeout=0.5)
                except queue.Empty:
                    continue
                print("helper:", line.rstrip())
                if text in line:
                    return line
            fail(f"no '{text}' on standard error within 20 s of SIGHUP")

        allowed = ask()
        if "302" in allowed or "url=" in allowed:
            fail(f"games.test was redirected before the change: {allowed}")

        with open(profiles, "w") as f:
            f.write(PROFILES.format(version="v2", block="adult, games"))
        os.rename(decisions, decisions + ".1")
        line = hang_up_and_wait_for("SIGHUP: reloaded")
        if "v2" not in line:
            fail(f"the reload line does not name the new version: {line}")
        blocked = ask()
        if blocked == allowed:
            fail(f"the decision did not change after SIGHUP: {blocked}")
        if helper.poll() is not None:
            fail("the helper ended on SIGHUP")
        if not os.path.exists(decisions) or "games" not in open(decisions).read():
            fail("the decision after SIGHUP was not written to a new decision log")
        if len(open(decisions + ".1").read().splitlines()) != 1:
            fail("the rotated decision log should hold the one decision before SIGHUP")

        with open(profiles, "w") as f:
            f.write("version: v3\nprofiles: [this is not a profile\n")
        hang_up_and_wait_for("reload failed, previous policy stays in force")
        if ask() != blocked:
            fail("a broken profiles file changed the policy in force")
        if helper.poll() is not None:
            fail("the helper ended on a failed reload")
        print("ok: SIGHUP put the new profiles in force, reopened the rotated decision log, and a broken file "
              "kept the old policy")
    finally:
        if helper and helper.poll() is None:
            helper.stdin.close()
            try:
                helper.wait(timeout=10)
            except subprocess.TimeoutExpired:
                helper.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
