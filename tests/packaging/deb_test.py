#!/usr/bin/env python3
"""The Debian package (issue 18, item 2): `make deb` builds what an administrator installs.

CPack packs the tests' own build tree (its install rules are those of `make deb`; only the
prefix differs, and a .deb is always rooted at /usr), so the binary is not compiled again.
Then, without root and without touching the host:
  - the package's contents and control data: binary, units, conffile, data, docs,
    maintainer scripts, a Depends computed by dpkg-shlibdeps;
  - the maintainer scripts parse (sh -n), and postinst in its dry-run mode prints the
    user, directories and (only when systemd runs) systemctl steps without making them;
  - systemd-analyze verify on the units, where systemd-analyze is installed;
  - the package unpacked into a scratch root: the installed binary, started with the
    installed configuration (paths moved into the scratch root, a free loopback port, the
    database in a temporary folder) from a folder with no data/ in it, answers /healthz,
    serves the profile names of the installed profiles file, and survives a SIGHUP.

Usage: deb_test.py ESAFE_BIN BUILD_DIR SOURCE_DIR
"""
import glob
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

BIN, BUILD, SOURCE = sys.argv[1:4]
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from esafe_server import Api, fail, free_port, start_serve, stop  # noqa: E402

UNITS = ["esafe.service", "esafe-icap.service", "esafe-ingest.service"]
HARDENING = ["User=esafe", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
             "PrivateDevices=yes", "ProtectKernelTunables=yes", "ProtectControlGroups=yes",
             "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "ReadWritePaths=/var/lib/esafe /var/log/esafe",
             "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "LimitNOFILE=65536"]


def run(args, **kwargs):
    out = subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)
    if out.returncode != 0:
        fail(f"{' '.join(args)} exited {out.returncode}:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def build_package(tmp):
    started = time.time()
    run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD, "CPackConfig.cmake"), "-B", os.path.join(tmp, "pkg")])
    debs = glob.glob(os.path.join(tmp, "pkg", "esafe_*.deb"))
    if len(debs) != 1:
        fail(f"cpack made {debs}, not one esafe_*.deb")
    print(f"built {os.path.basename(debs[0])} in {time.time() - started:.1f} s")
    return debs[0]


def check_contents(deb):
    listing = run(["dpkg-deb", "-c", deb])
    files = {line.split()[-1].removeprefix(".") for line in listing.splitlines()}
    expected = ["/usr/bin/esafe", "/etc/esafe/esafe.yaml", "/usr/share/esafe/filter/profiles.yaml",
                "/usr/share/esafe/filter/mandatory/illegal-content.hashes", "/usr/share/esafe/monitoring/terms/drugs.yaml",
                "/usr/share/esafe/flowcharts/cyberbullying.yaml", "/usr/share/esafe/surveys/young-people-8-11.yaml",
                "/usr/share/esafe/squid/esafe-ssl-bump.conf", "/usr/share/doc/esafe/README.md",
                "/usr/share/doc/esafe/enforce.md"] + ["/lib/systemd/system/" + u for u in UNITS]
    for path in expected:
        if path not in files:
            fail(f"{path} is not in the package:\n{listing}")
    # Every shipped data file, and nothing from the tests.
    for data in glob.glob(os.path.join(SOURCE, "data", "**", "*"), recursive=True):
        if os.path.isfile(data) and "/usr/share/esafe/" + os.path.relpath(data, os.path.join(SOURCE, "data")) not in files:
            fail(f"{data} is not shipped under /usr/share/esafe")
    if any("/tests/" in f or f.endswith("_test") for f in files):
        fail("test files are in the package")
    if not re.search(r"^-rwxr-xr-x root/root .* \./usr/bin/esafe$", listing, re.M):
        fail("/usr/bin/esafe is not root-owned and executable")
    if not re.search(r"^-rw-r----- root/root .* \./etc/esafe/esafe.yaml$", listing, re.M):
        fail("/etc/esafe/esafe.yaml is not 0640")

    info = run(["dpkg-deb", "-I", deb])
    for script in ("postinst", "prerm", "postrm", "conffiles"):
        if not re.search(rf"\b{script}\b", info):
            fail(f"the control archive has no {script}:\n{info}")
    depends = run(["dpkg-deb", "-f", deb, "Depends"])
    for library in ("libc6", "libsqlite3-0", "libpq5", "libsodium23", "libstdc++6"):
        if library not in depends:
            fail(f"Depends does not name {library} (dpkg-shlibdeps): {depends}")
    print("Depends:", depends.strip())


def check_scripts(deb, tmp):
    control = os.path.join(tmp, "control")
    run(["dpkg-deb", "-e", deb, control])
    with open(os.path.join(control, "conffiles")) as f:
        if f.read().split() != ["/etc/esafe/esafe.yaml"]:
            fail("conffiles should list /etc/esafe/esafe.yaml alone")
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, script)
        if not os.access(path, os.X_OK):
            fail(f"{script} is not executable")
        run(["sh", "-n", path])
        if "set -e" not in open(path).read():
            fail(f"{script} does not stop on the first error (set -e)")
    env = dict(os.environ, ESAFE_MAINTSCRIPT_DRY_RUN="1")
    printed = run(["sh", os.path.join(control, "postinst"), "configure", ""], env=env)
    print(printed, end="")
    user_exists = subprocess.run(["getent", "passwd", "esafe"], capture_output=True).returncode == 0
    if not user_exists and "would run: useradd --system" not in printed:
        fail("postinst would not create the esafe system user")
    if not user_exists and "--shell /usr/sbin/nologin" not in printed:
        fail("the esafe user would get a login shell")
    if not os.path.isdir("/var/lib/esafe") and "install -d -o esafe -g esafe -m 0750 /var/lib/esafe" not in printed:
        fail("postinst would not create /var/lib/esafe 0750 esafe:esafe")
    systemd_running = os.path.isdir("/run/systemd/system")
    if systemd_running != ("systemctl daemon-reload" in printed):
        fail(f"postinst calls systemctl {'only' if systemd_running else 'even'} when systemd is "
             f"{'running' if systemd_running else 'not running'}")
    if [line for line in printed.splitlines() if not line.startswith("esafe postinst would run: ")]:
        fail("postinst printed something other than what it would run")


def verify_units(root):
    if not shutil.which("systemd-analyze"):
        print("SKIP systemd-analyze verify: systemd-analyze is not installed")
        return
    for unit in UNITS:
        text = open(os.path.join(root, "lib/systemd/system", unit)).read()
        for line in HARDENING:
            if line not in text.splitlines():
                fail(f"{unit} lacks {line}")
    # A scratch copy whose ExecStart names the unpacked binary: verify checks that it is there,
    # and the host's systemd units (sysinit.target, /bin/kill) are what the units refer to.
    copies = os.path.join(os.path.dirname(root), "units")
    os.makedirs(copies)
    for unit in UNITS:
        with open(os.path.join(root, "lib/systemd/system", unit)) as f:
            text = f.read().replace("/usr/bin/esafe", os.path.join(root, "usr/bin/esafe"))
        with open(os.path.join(copies, unit), "w") as f:
            f.write(text)
    out = subprocess.run(["systemd-analyze", "verify"] + [os.path.join(copies, u) for u in UNITS],
                         capture_output=True, text=True, timeout=60)
    complaints = [line for line in (out.stdout + out.stderr).splitlines() if "esafe" in line]
    if out.returncode != 0 and not complaints and "Failed to" in out.stderr:
        print(f"SKIP systemd-analyze verify: it cannot run here: {out.stderr.strip()}")
        return
    if out.returncode != 0 or complaints:
        fail(f"systemd-analyze verify:\n{out.stdout}{out.stderr}")
    print("systemd-analyze verify: the units are clean")


def scratch_configuration(root, tmp, port):
    """The installed configuration with its paths moved into the scratch root (shipped
    data) or the temporary folder (what esafe writes), listening on `port`; the database
    URL it names."""
    with open(os.path.join(root, "etc/esafe/esafe.yaml")) as f:
        text = f.read()
    text = text.replace("/usr/share/esafe", os.path.join(root, "usr/share/esafe"))
    text = text.replace("/var/lib/esafe", os.path.join(tmp, "var/lib/esafe"))
    text = text.replace("/run/esafe", os.path.join(tmp, "run/esafe"))
    text = text.replace("listen: 127.0.0.1:8080", f"listen: 127.0.0.1:{port}")
    # The test's own administrator signs in with a password alone.
    text = text.replace("\nserve:\n", "\nserve:\n  no-require-totp: true\n", 1)
    if f"127.0.0.1:{port}" not in text or "no-require-totp" not in text:
        fail("the installed configuration's serve section was not where the test expects it")
    for path in (os.path.join(tmp, "var/lib/esafe"), os.path.join(tmp, "run/esafe")):
        os.makedirs(path, exist_ok=True)
    config = os.path.join(tmp, "esafe.yaml")
    with open(config, "w") as f:
        f.write(text)
    db = yaml.safe_load(text)["serve"]["db"]
    return config, db


def run_installed(root, tmp):
    binary = os.path.join(root, "usr/bin/esafe")
    port = free_port()
    config, db = scratch_configuration(root, tmp, port)
    if os.path.join(root, "usr/share/esafe") not in open(config).read():
        fail("the installed configuration names no shipped data under /usr/share/esafe")
    # An empty working folder: nothing relative (data/…) can reach the source tree.
    cwd = os.path.join(tmp, "cwd")
    os.makedirs(cwd)
    process, out = start_serve([binary, "--config", config, "serve"], cwd=cwd)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            if r.status != 200:
                fail(f"/healthz answered {r.status}")
        if "not loaded" in out:
            fail(f"serve did not load the installed data:\n{out}")
        subprocess.run([binary, "user", "add", "--db", db, "--username", "admin", "--name", "Admin", "--role",
                        "partnership_admin"], input="package-test-password-1\n", text=True, check=True, cwd=cwd,
                       capture_output=True, timeout=60)
        api = Api(f"http://127.0.0.1:{port}")
        api.sign_in("admin", "package-test-password-1")
        status, body = api.call("GET", "/api/v1/filtering-profiles")
        with open(os.path.join(root, "usr/share/esafe/filter/profiles.yaml")) as f:
            shipped = [p["name"] for p in yaml.safe_load(f)["profiles"]]
        if status != 200 or body.get("profiles") != shipped:
            fail(f"the profiles route answered {status} {body}, not the installed file's {shipped}")
        status, live = api.call("GET", "/api/v1/monitoring/status")
        if status != 200 or not live.get("terms_loaded"):
            fail(f"the installed term libraries were not loaded: {status} {live}")
        # systemctl reload sends SIGHUP: serve reloads the term libraries, and does not end.
        process.send_signal(signal.SIGHUP)
        deadline = time.time() + 15
        while live.get("terms_reloads", 0) < 1:
            if process.poll() is not None:
                fail("serve ended on SIGHUP")
            if time.time() > deadline:
                fail(f"serve did not reload the term libraries on SIGHUP: {live}")
            time.sleep(0.2)
            status, live = api.call("GET", "/api/v1/monitoring/status")
        print(f"the installed binary with the installed configuration serves profiles {shipped}")
    finally:
        stop(process)


def main():
    started = time.time()
    tmp = tempfile.mkdtemp(prefix="esafe-deb-")
    try:
        deb = build_package(tmp)
        check_contents(deb)
        check_scripts(deb, tmp)
        root = os.path.join(tmp, "root")
        run(["dpkg-deb", "-x", deb, root])
        verify_units(root)
        run_installed(root, tmp)
        print(f"ok: package checked in {time.time() - started:.1f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
