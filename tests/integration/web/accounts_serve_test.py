"""`esafe serve` keeps the demo accounts apart from production and requires two-step sign-in
by default (issue 18 item 6, issue 19 finding 6): started with --demo, the demo admin signs in
with a password only; started again without --demo, the demo accounts are disabled (a line says
so) and an administrator added with `esafe user add` gets a session that can only set up two-step
sign-in; with --demo again, the demo accounts sign in again."""
import base64
import hashlib
import hmac
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import add_user, Api, fail, free_port, start_serve, stop  # noqa: E402

BIN = sys.argv[1]
PASSWORD = "a long production password"


def totp(secret_base32, at):
    """RFC 6238 with SHA-1, 6 digits, 30 s: what an authenticator app shows at `at`."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1000000)


def serve(db, *extra):
    port = free_port()
    process, out = start_serve([BIN, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", *extra],
                               also=("sign in as admin",) if "--demo" in extra else ())
    return process, out, f"http://127.0.0.1:{port}"


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-accounts-serve-")
    server = None
    try:
        db = "sqlite:" + os.path.join(tmp, "esafe.db")
        server, out, base = serve(db, "--demo")
        demo_password = re.search(r"sign in as admin with password (\S+)", out).group(1)
        api = Api(base)
        api.sign_in("admin", demo_password)
        status, _ = api.call("GET", "/api/v1/agencies")
        if status != 200:
            fail(f"the demo admin, password only, got {status} for the agencies")
        stop(server)

        add_user(BIN, db, "real.admin", PASSWORD, name="Real Admin")
        server, out, base = serve(db)
        if "disabled 5 demo accounts" not in out:
            fail(f"serve without --demo did not say it disabled the demo accounts:\n{out}")
        status, answer = Api(base).call("POST", "/api/v1/session", {"username": "admin", "password": demo_password})
        if status != 401:
            fail(f"the demo admin signed in without --demo: {status} {answer}")

        api = Api(base)
        session = api.sign_in("real.admin", PASSWORD)
        if session["user"]["setup"] != "enrol_totp":
            fail(f"an administrator without two-step sign-in was not asked to set it up: {session}")
        status, answer = api.call("GET", "/api/v1/agencies")
        if status != 403 or "two-step" not in answer.get("error", ""):
            fail(f"before enrolling, the agencies answered {status} {answer}")
        status, enrol = api.call("POST", "/api/v1/account/totp/enrol")
        if status != 200:
            fail(f"enrol: {status} {enrol}")
        now = time.time()
        status, answer = api.call("POST", "/api/v1/account/totp/confirm", {"code": totp(enrol["secret"], now)})
        if status != 200:
            fail(f"confirm: {status} {answer}")
        status, _ = api.call("GET", "/api/v1/agencies")
        if status != 200:
            fail(f"after enrolling, the agencies answered {status}")
        again = Api(base)
        status, answer = again.call("POST", "/api/v1/session", {"username": "real.admin", "password": PASSWORD})
        if status != 401 or answer.get("field") != "totp":
            fail(f"a password alone was not asked for a code: {status} {answer}")
        status, answer = again.call("POST", "/api/v1/session",
                                    {"username": "real.admin", "password": PASSWORD, "totp": totp(enrol["secret"], now + 30)})
        if status != 200:
            fail(f"password and the next code: {status} {answer}")
        stop(server)

        server, out, base = serve(db, "--demo")
        if "enabled 5 demo accounts again" not in out:
            fail(f"serve --demo did not say it enabled the demo accounts:\n{out}")
        Api(base).sign_in("admin", demo_password)
        print("OK: demo accounts off without --demo and on with it; two-step sign-in required by default")
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
