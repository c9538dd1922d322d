#!/usr/bin/env python3
"""SIGHUP puts serve's filtering profiles back in step with the file (issue 18, item 2).

`esafe serve --profiles F` offers F's profile names for a site. F gains a profile and serve
gets SIGHUP: the new name is offered without a restart. A broken F and SIGHUP: the names in
force stay, and serve keeps running. A fixed F and SIGHUP: its names are offered.

Usage: serve_sighup_test.py ESAFE_BIN
"""
import hashlib
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "support"))
from esafe_server import Api, add_user, fail, free_port, start_serve, stop  # noqa: E402

BIN = sys.argv[1]
PASSWORD = "correct horse battery staple 18"
PROFILES = """version: "{version}"
default_profile: pupil
mandatory:
  - {{category: iwf, file: iwf.hashes, format: hashes}}
profiles:
{profiles}
"""


def write_profiles(path, version, names):
    with open(path, "w") as f:
        f.write(PROFILES.format(version=version,
                                profiles="\n".join(f"  - name: {name}\n    block: [adult]" for name in names)))


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-serve-sighup-")
    server = None
    try:
        with open(os.path.join(tmp, "iwf.hashes"), "w") as f:
            f.write(hashlib.sha256(b"mandatory.test/hidden").hexdigest() + "\n")
        profiles = os.path.join(tmp, "profiles.yaml")
        write_profiles(profiles, "v1", ["pupil", "staff"])
        db = "sqlite:" + os.path.join(tmp, "esafe.db")
        add_user(BIN, db, "admin", PASSWORD)
        port = free_port()
        server, _ = start_serve([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--profiles", profiles,
                                 "--no-require-totp"])
        api = Api(f"http://127.0.0.1:{port}")
        api.sign_in("admin", PASSWORD)

        def names():
            status, body = api.call("GET", "/api/v1/filtering-profiles")
            if status != 200:
                fail(f"GET /api/v1/filtering-profiles: {status} {body}")
            return body["profiles"]

        def hang_up_and_wait_for(expected):
            server.send_signal(signal.SIGHUP)
            deadline = time.time() + 20
            while time.time() < deadline:
                if names() == expected:
                    return
                time.sleep(0.1)
            fail(f"after SIGHUP the profiles offered are {names()}, not {expected}")

        if names() != ["pupil", "staff"]:
            fail(f"at start the profiles offered are {names()}")

        write_profiles(profiles, "v2", ["pupil", "staff", "sixth_form"])
        hang_up_and_wait_for(["pupil", "staff", "sixth_form"])

        with open(profiles, "w") as f:
            f.write("version: v3\nprofiles: [this is not a profile\n")
        server.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        if server.poll() is not None:
            fail("serve ended on a SIGHUP with a broken profiles file")
        if names() != ["pupil", "staff", "sixth_form"]:
            fail(f"a broken profiles file changed the profiles in force: {names()}")

        write_profiles(profiles, "v4", ["early_years", "pupil"])
        hang_up_and_wait_for(["early_years", "pupil"])
        print("ok: SIGHUP put serve's new profiles in force, and a broken file kept the old ones")
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
