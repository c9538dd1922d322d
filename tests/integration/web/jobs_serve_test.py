"""Long work runs as background jobs and large uploads stream to disk, through the real
`esafe serve` (issue 19, findings 2 and 3):

- a 20,000-row people import sent with `Prefer: respond-async` is answered 202 with the job
  at once; polling shows its progress and then done with the imported count, and the people
  are in the database; while it runs, /healthz and a list read each answer within a second,
  and another account gets 404 for the job, its download and its cancellation;
- the same import with one bad line ends failed, naming the line, and imports nothing;
- the board report PDF as a job downloads as a PDF (when Chromium is installed);
- four signed-in 6 MiB uploads in flight do not raise the server's resident memory by
  their size (they go to private temporary files, removed when the connections end); a
  6 MiB import through a file is imported; an upload over the cap is refused with 413 and
  nothing is imported."""
import csv
import http.client
import io
import json
import os
import re
import select
import shutil
import socket
import sqlite3
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from esafe_server import Api, fail, free_port, start_serve, stop  # noqa: E402

BIN = sys.argv[1]
ASYNC = {"Prefer": "respond-async"}


def raw(api, method, path, body=None, headers=None, timeout=60):
    """(status, headers, bytes) for a request as the signed-in `api`, any content type."""
    req = urllib.request.Request(api.base + path, data=body, method=method)
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    if api.csrf:
        req.add_header("X-CSRF-Token", api.csrf)
    try:
        with api.opener.open(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def timed(api, path):
    started = time.monotonic()
    status, _, _ = raw(api, "GET", path)
    return status, time.monotonic() - started


def people_named(db_path, prefix):
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as c:
        return c.execute("SELECT COUNT(*) FROM people WHERE full_name LIKE ?", (prefix + "%",)).fetchone()[0]


def people_csv(template_header, template_row, prefix, rows, bad_line=None, notes=""):
    """A people import of `rows` rows named PREFIX n; the row on file line `bad_line` has a
    role that does not exist."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(template_header)
    col = {name: i for i, name in enumerate(template_header)}
    for n in range(rows):
        row = list(template_row)
        row[col["full_name"]] = f"{prefix}{n:05d}"
        if "email" in col:
            row[col["email"]] = ""
        if "notes" in col:
            row[col["notes"]] = notes
        if bad_line is not None and n + 2 == bad_line:
            row[col["esafety_role"]] = "astronaut"
        w.writerow(row)
    return out.getvalue().encode()


def start_job(api, method, path, body=None, headers=None):
    status, h, data = raw(api, method, path, body, {**ASYNC, **(headers or {})})
    if status != 202:
        fail(f"{method} {path} as a job: {status} {data[:300]!r}")
    job = json.loads(data)
    if h.get("Location") != f"/api/v1/jobs/{job['id']}" or h.get("Preference-Applied") != "respond-async":
        fail(f"the 202 lacks Location or Preference-Applied: {h}")
    if job["state"] not in ("queued", "running"):
        fail(f"a job answered at once is {job['state']}, not queued or running")
    return job


def wait_job(api, job_id, timeout=120):
    deadline, seen = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        status, job = api.call("GET", f"/api/v1/jobs/{job_id}")
        if status != 200:
            fail(f"polling job {job_id}: {status} {job}")
        seen.append(job)
        if job["state"] in ("done", "failed", "cancelled"):
            return job, seen
        time.sleep(0.05)
    fail(f"job {job_id} did not finish within {timeout} s: {seen[-1]}")


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def upload_socket(port, api, path, length, chunked=False):
    """A socket that has sent the headers of a signed-in CSV upload of `length` bytes."""
    jar = next(h.cookiejar for h in api.opener.handlers if hasattr(h, "cookiejar"))
    cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
    s.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nCookie: {cookies}\r\n"
               f"X-CSRF-Token: {api.csrf}\r\nContent-Type: text/csv\r\n{framing}\r\n\r\n").encode())
    return s


def read_reply(s):
    try:
        s.settimeout(10)
        return s.recv(4096)
    except OSError:
        return b""


def main():
    tmp = tempfile.mkdtemp(prefix="esafe-jobs-serve-")
    uploads = os.path.join(tmp, "tmp")
    os.makedirs(uploads)
    os.environ["TMPDIR"] = uploads  # where the server streams uploads and keeps job files
    server = None
    try:
        db_path = os.path.join(tmp, "esafe.db")
        port = free_port()
        server, out = start_serve([BIN, "serve", "--db", "sqlite:" + db_path, "--listen", f"127.0.0.1:{port}",
                                   "--demo"], also=("sign in as admin",))
        password = re.search(r"sign in as admin with password (\S+)", out).group(1)
        base = f"http://127.0.0.1:{port}"
        admin, other = Api(base), Api(base)
        admin.sign_in("admin", password)
        other.sign_in("riverside.eslo", password)

        status, _, exported = raw(admin, "GET", "/api/v1/people/export.csv")
        if status != 200:
            fail(f"people export: {status}")
        rows = list(csv.reader(io.StringIO(exported.decode())))
        header, template = rows[0], rows[1]

        # ---- a 20,000-row import as a job, and the server stays responsive ----
        body = people_csv(header, template, "Jobs Test ", 20000)
        started = time.monotonic()
        job = start_job(admin, "POST", "/api/v1/people/import", body, {"Content-Type": "text/csv"})
        answered = time.monotonic() - started
        slowest, slowest_path, during = 0.0, "", 0
        # Each round reads first and then asks the job's state: a round that still finds the
        # job queued or running made its reads while the import was under way.
        while True:
            for path in ("/healthz", "/api/v1/agencies"):
                status, took = timed(admin, path)
                if status != 200:
                    fail(f"{path} answered {status} during the import")
                if took > slowest:
                    slowest, slowest_path = took, path
            _, after = admin.call("GET", f"/api/v1/jobs/{job['id']}")
            if after["state"] not in ("queued", "running"):
                break
            during += 1
        if during == 0:
            fail("the import ended before a read could be made while it ran")
        for method, path in (("GET", f"/api/v1/jobs/{job['id']}"), ("GET", f"/api/v1/jobs/{job['id']}/download"),
                             ("DELETE", f"/api/v1/jobs/{job['id']}")):
            status, _, _ = raw(other, method, path)
            if status != 404:
                fail(f"another account got {status} for {method} {path}, not 404")
        status, listed = other.call("GET", "/api/v1/jobs")
        if status != 200 or any(j["id"] == job["id"] for j in listed):
            fail(f"another account's job list shows the import: {status} {listed}")
        if slowest >= 1.0:
            fail(f"{slowest_path} took {slowest:.2f} s while the import ran")
        finished, seen = wait_job(admin, job["id"])
        if finished["state"] != "done" or finished["result"].get("imported") != 20000:
            fail(f"the import job ended {finished}")
        if finished["progress"]["done"] != 20000 or finished["progress"]["total"] != 20000:
            fail(f"the finished import's progress is {finished['progress']}, not 20000 of 20000")
        if people_named(db_path, "Jobs Test ") != 20000:
            fail(f"{people_named(db_path, 'Jobs Test ')} people imported, not 20000")
        status, mine = admin.call("GET", "/api/v1/jobs")
        if status != 200 or mine[0]["id"] != job["id"]:
            fail(f"the owner's job list does not start with the import: {mine}")
        print(f"OK: 202 in {answered * 1000:.0f} ms; reads at most {slowest * 1000:.0f} ms over {during} rounds "
              f"while the import ran; imported 20000")

        # ---- one bad line: failed with the line number, nothing imported ----
        bad = start_job(admin, "POST", "/api/v1/people/import",
                        people_csv(header, template, "Jobs Bad ", 20000, bad_line=1234), {"Content-Type": "text/csv"})
        failed, _ = wait_job(admin, bad["id"])
        errors = (failed.get("result") or {}).get("errors", [])
        if failed["state"] != "failed" or not errors or not errors[0].startswith("line 1234:") \
                or "nothing was imported" not in (failed["error"] or ""):
            fail(f"the bad import ended {failed}")
        if people_named(db_path, "Jobs Bad ") != 0:
            fail("a failed import left people behind")
        status, _, _ = raw(admin, "DELETE", f"/api/v1/jobs/{bad['id']}")
        if status != 204 or admin.call("GET", f"/api/v1/jobs/{bad['id']}")[0] != 404:
            fail("a finished job could not be discarded")
        print("OK: a bad line fails the job with its line number and imports nothing")

        # ---- the board report PDF as a job ----
        if shutil.which("chromium") or os.path.exists("/usr/bin/chromium"):
            status, rounds = admin.call("GET", "/api/v1/audit-rounds")
            if status != 200 or not rounds:
                fail(f"audit rounds: {status} {rounds}")
            pdf_job = start_job(admin, "GET", f"/api/v1/audit-rounds/{rounds[0]['id']}/report.pdf")
            done, _ = wait_job(admin, pdf_job["id"], timeout=120)
            if done["state"] != "done" or not done["download"]:
                fail(f"the PDF job ended {done}")
            for method, path in (("GET", done["download"]), ("GET", f"/api/v1/jobs/{pdf_job['id']}")):
                if raw(other, method, path)[0] != 404:
                    fail(f"another account could reach {path}")
            status, h, pdf = raw(admin, "GET", done["download"], timeout=120)
            if status != 200 or not pdf.startswith(b"%PDF") or h.get("Content-Type") != "application/pdf":
                fail(f"the PDF download: {status} {h.get('Content-Type')} {pdf[:20]!r}")
            print(f"OK: the board report PDF as a job ({len(pdf)} bytes)")
        else:
            print("SKIP: Chromium is not installed; the PDF job is not tried")

        # ---- uploads stream to disk ----
        before = rss_kib(server.pid)
        size = 6 * 1024 * 1024
        block = (b"x" * 1023 + b"\n") * 1024
        sockets = []
        for _ in range(4):
            s = upload_socket(port, admin, "/api/v1/people/import", size)
            for _ in range(size // len(block) - 1):
                s.sendall(block)
            s.sendall(block[:-1])  # all but the last byte: the server is still reading
            sockets.append(s)
        time.sleep(0.5)
        in_flight = rss_kib(server.pid)
        streamed = [f for f in os.listdir(uploads) if f.startswith("esafe-upload-")]
        if in_flight - before >= 6 * 1024:
            fail(f"four 6 MiB uploads in flight raised the server's memory by {(in_flight - before) // 1024} MiB")
        if len(streamed) != 4:
            fail(f"expected four upload files in TMPDIR while they arrive, found {streamed}")
        for s in sockets:
            s.close()
        time.sleep(0.5)
        left = [f for f in os.listdir(uploads) if f.startswith("esafe-upload-")]
        if left:
            fail(f"abandoned uploads left files behind: {left}")
        print(f"OK: four 6 MiB uploads in flight took {(in_flight - before) // 1024} MiB; their files are gone")

        big = people_csv(header, template, "Jobs Big ", 3100, notes="n" * 1990)
        if len(big) < size:
            fail(f"the big import is only {len(big)} bytes")
        big_job = start_job(admin, "POST", "/api/v1/people/import", big, {"Content-Type": "text/csv"})
        done, _ = wait_job(admin, big_job["id"])
        if done["state"] != "done" or done["result"].get("imported") != 3100:
            fail(f"the 6 MiB import ended {done}")
        if [f for f in os.listdir(uploads) if f.startswith("esafe-upload-")]:
            fail("a finished import left its upload file behind")
        print(f"OK: a {len(big) // 1024} KiB import through a file imported 3100 people")

        # Over the cap: announced (refused before the body is sent), and sent chunked without a length.
        over = people_csv(header, template, "Jobs Over ", 4300, notes="n" * 1990)
        s = upload_socket(port, admin, "/api/v1/people/import", len(over))
        reply = read_reply(s)
        s.close()
        if not reply.startswith(b"HTTP/1.1 413"):
            fail(f"an announced over-cap upload was answered {reply[:60]!r}")
        s = upload_socket(port, admin, "/api/v1/people/import", 0, chunked=True)
        reply = b""
        try:
            for start in range(0, len(over), 1 << 16):
                if select.select([s], [], [], 0)[0]:
                    break  # the server has answered: it stopped reading
                piece = over[start:start + (1 << 16)]
                s.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            else:
                s.sendall(b"0\r\n\r\n")
        except OSError:
            pass
        reply = read_reply(s)
        s.close()
        if not reply.startswith(b"HTTP/1.1 413"):
            fail(f"a chunked over-cap upload was answered {reply[:60]!r}")
        time.sleep(0.3)
        if people_named(db_path, "Jobs Over ") != 0:
            fail("an over-cap upload imported people")
        if [f for f in os.listdir(uploads) if f.startswith("esafe-upload-")]:
            fail("a refused upload left its file behind")
        print("OK: over-cap uploads are refused with 413 and import nothing")
    finally:
        stop(server)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
