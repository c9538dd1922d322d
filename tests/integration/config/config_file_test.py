"""One configuration file (issue 18, item 1), through the real binary:

- `esafe serve` with the file alone, started from / : the database is made beside the
  file (a relative path), /healthz answers and the filtering profiles come from the
  shipped data, found without the source tree being the working directory;
- a flag beats the file (--listen another port);
- a misspelt key is refused naming its line, exit 2, nothing started;
- `esafe config check` prints the settings with secrets masked, and refuses threads: 0
  with its line.

    config_file_test.py PATH/TO/esafe
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import Api, fail, free_port, start_serve, stop  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
PASSWORD = "config-file-test-password-1"
ENV = {k: v for k, v in os.environ.items() if k not in ("ESAFE_DATA_DIR", "ESAFE_CONFIG")}


def esafe(*args, **kwargs):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=60, cwd="/", env=ENV, **kwargs)


def write(path, text, mode=0o640):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


def healthz(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
        return r.status


def listening(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-config-")
    server = None
    try:
        etc = os.path.join(tmp, "etc")
        os.mkdir(etc)
        config = os.path.join(etc, "esafe.yaml")
        port = free_port()
        write(config, f"# a server configured by its file alone\n"
                      f"serve:\n"
                      f"  db: sqlite:../lib/esafe.db\n"
                      f"  listen: 127.0.0.1:{port}\n"
                      f"  threads: 2\n"
                      f"  no-require-totp: true\n")
        os.mkdir(os.path.join(tmp, "lib"))
        db = "sqlite:" + os.path.join(tmp, "lib", "esafe.db")
        added = esafe("user", "add", "--db", db, "--username", "admin", "--name", "Admin", "--role",
                      "partnership_admin", input=PASSWORD + "\n")
        if added.returncode != 0:
            fail(f"user add: {added.stderr}")

        # The file alone, from /.
        server, out = start_serve([BIN, "--config", config, "serve"], cwd="/")
        if f"127.0.0.1:{port}" not in out:
            fail(f"serve did not listen where the file says: {out}")
        if healthz(port) != 200:
            fail("/healthz did not answer 200")
        api = Api(f"http://127.0.0.1:{port}")
        api.sign_in("admin", PASSWORD)  # the database beside the file, not in /
        status, body = api.call("GET", "/api/v1/filtering-profiles")
        if status != 200 or "primary" not in body.get("profiles", []):
            fail(f"the shipped filtering profiles were not found from /: {status} {body} {out}")
        stop(server)

        # A flag beats the file; ESAFE_CONFIG names the file.
        other = free_port()
        env = dict(ENV, ESAFE_CONFIG=config)
        server = subprocess.Popen([BIN, "serve", "--listen", f"127.0.0.1:{other}"], cwd="/", env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = ""
        while "esafe is running at" not in line:
            line = server.stdout.readline()
            if not line:
                fail("serve with ESAFE_CONFIG and --listen exited early")
        if f"127.0.0.1:{other}" not in line or healthz(other) != 200:
            fail(f"--listen did not beat the file: {line}")
        if listening(port):
            fail("serve listened on the file's port as well as the flag's")
        stop(server)
        server = None

        # A misspelt key: its line, exit 2, nothing started.
        write(config, f"# a server configured by its file alone\n"
                      f"serve:\n"
                      f"  db: sqlite:../lib/esafe.db\n"
                      f"  listen: 127.0.0.1:{port}\n"
                      f"  threads: 2\n"
                      f"  # the next key is misspelt\n"
                      f"  activty-log: ../lib/activity\n")
        bad = esafe("--config", config, "serve")
        if bad.returncode != 2 or "esafe.yaml:7:" not in bad.stderr or "activty-log" not in bad.stderr:
            fail(f"a misspelt key was not refused with its line: {bad.returncode} {bad.stderr}")
        if "esafe is running" in bad.stdout or listening(port):
            fail("serve started with a misspelt key")

        # config check: effective settings, secrets masked.
        write(os.path.join(etc, "smtp-password"), "smtp-secret-7\n", 0o600)
        write(config, "serve:\n"
                      "  db: postgresql://esafe:db-secret-9@127.0.0.1/esafe\n"
                      "  activity-log: ../lib/activity\n"
                      "smtp:\n"
                      "  host: 127.0.0.1\n"
                      "  from: esafe@example.org\n"
                      "  starttls: true\n"
                      "  username: esafe\n"
                      "  password_file: smtp-password\n")
        check = esafe("config", "check", config)
        if check.returncode != 0:
            fail(f"config check refused a good file: {check.stderr}")
        for want in ("postgresql://esafe:********@127.0.0.1/esafe", "password: ********",
                     f"activity-log: {os.path.join(tmp, 'lib', 'activity')}", "listen: 127.0.0.1:8080  # default"):
            if want not in check.stdout:
                fail(f"config check did not print {want!r}: {check.stdout}")
        if "db-secret-9" in check.stdout + check.stderr or "smtp-secret-7" in check.stdout + check.stderr:
            fail(f"config check printed a secret: {check.stdout}")

        # A bad value, with its line.
        write(config, "serve:\n  listen: 127.0.0.1:8080\n  threads: 0\n")
        check = esafe("config", "check", config)
        if check.returncode != 2 or "esafe.yaml:3: serve.threads:" not in check.stderr:
            fail(f"threads: 0 was not refused with its line: {check.returncode} {check.stderr}")

        # The shipped example passes.
        example = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "packaging",
                               "esafe.yaml")
        check = esafe("config", "check", example)
        if check.returncode != 0:
            fail(f"config check refused packaging/esafe.yaml: {check.stderr}")

        # A missing file named by --config is an error; a missing default is not.
        missing = esafe("--config", os.path.join(tmp, "none.yaml"), "config", "check")
        if missing.returncode != 2 or "none.yaml" not in missing.stderr:
            fail(f"a missing --config file was not refused: {missing.returncode} {missing.stderr}")
        print("ok")
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


main()
