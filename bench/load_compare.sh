#!/usr/bin/env bash
# The multi-user load benchmark on SQLite and on PostgreSQL 15, side by side (issue 19):
# for each database, a fresh copy of the demo partnership, a bench administrator made with
# `esafe user add`, `esafe serve --no-require-totp` on a free 127.0.0.1 port, then
# load_bench (bench/load_bench.cc), which scales the partnership through the CSV import
# routes and runs the clients. Everything it starts it stops; nothing is kept between runs.
#
#   bench/load_compare.sh BUILD_DIR [load_bench options…]   e.g. --clients 200 --seconds 30
#   bench/load_compare.sh BUILD_DIR --smoke                  SQLite only, 20 clients for 3 s
#
# Exits 1 when either run fails (errors, a route class never exercised, or /healthz p99
# ≥ 50 ms while the import and the board PDF run), 2 when something could not start.
# KEEP_WORK=1 keeps the work folder (databases, server logs) for a look afterwards.
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 BUILD_DIR [--smoke | load_bench options…]" >&2; exit 2; }
build=$(cd "$1" && pwd)
shift
source_dir=$(cd "$(dirname "$0")/.." && pwd)
esafe=$build/esafe
bench=$build/bench/load_bench
for binary in "$esafe" "$bench"; do
  [[ -x $binary ]] || { echo "load_compare: $binary is not built (ninja -C $build esafe load_bench)" >&2; exit 2; }
done

smoke=0
if [[ ${1:-} == --smoke ]]; then
  smoke=1
  shift
  # Small and short: it checks that everything works, never how fast.
  set -- --smoke --clients 20 --seconds 3 --event-at 1 --officer-agencies 3 --agencies 10 --people 2000 --import-rows 2000 "$@"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/esafe-load.XXXXXX")
# PostgreSQL runs as the postgres account when this runs as root: it must reach its folder.
chmod 755 "$work"
serve_pid=
pg_port=
cleanup() {
  if [[ -n $serve_pid ]]; then kill -TERM "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  if [[ -n $pg_port ]]; then "$source_dir/tests/support/postgres.sh" stop "$work/pg" "$pg_port" >/dev/null || true; fi
  if [[ ${KEEP_WORK:-0} == 1 ]]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# One password for the bench's accounts, made afresh and kept in the work folder only.
umask 077
head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$work/password"
umask 022

# run_one LABEL DB_URL: prints load_bench's report; its RESULT line goes to $work/LABEL.result.
run_one() {
  local label=$1 db=$2
  shift 2
  echo "=== $label ($db)"
  # `demo load` writes demo-login.txt under ./var for a PostgreSQL URL: keep it in $work.
  (cd "$work" && "$esafe" demo load --db "$db" >/dev/null)
  (cd "$work" && "$esafe" user add --db "$db" --username bench-admin --name "Load bench administrator" \
      --role partnership_admin <"$work/password" >/dev/null)
  (cd "$work" && exec "$esafe" serve --db "$db" --listen 127.0.0.1:0 --no-require-totp >"$work/$label.serve.log" 2>&1) &
  serve_pid=$!
  local url=
  for _ in $(seq 1 300); do
    url=$(grep -oE 'esafe is running at http://127\.0\.0\.1:[0-9]+' "$work/$label.serve.log" | grep -oE 'http://.*' || true)
    [[ -n $url ]] && break
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $url ]]; then
    echo "load_compare: esafe serve on $label did not start:" >&2
    cat "$work/$label.serve.log" >&2
    return 2
  fi
  local status=0
  "$bench" --url "$url" --admin bench-admin --password-file "$work/password" "$@" | tee "$work/$label.out" || status=$?
  grep '^RESULT ' "$work/$label.out" >"$work/$label.result" || true
  kill -TERM "$serve_pid" 2>/dev/null || true
  wait "$serve_pid" 2>/dev/null || true
  serve_pid=
  return $status
}

if [[ $smoke == 1 ]]; then
  run_one sqlite "sqlite:$work/esafe.db" "$@"
  exit
fi

overall=0
run_one sqlite "sqlite:$work/esafe.db" "$@" || overall=$?
pg_port=$(free_port)
# fsync on: SQLite syncs every commit (synchronous=FULL), so PostgreSQL must too.
ESAFE_PG_FSYNC=on "$source_dir/tests/support/postgres.sh" start "$work/pg" "$pg_port" >/dev/null
status=0
run_one postgresql "postgresql://esafe@127.0.0.1:$pg_port/esafe" "$@" || status=$?
[[ $status -gt $overall ]] && overall=$status

# Side by side: one row per figure of the RESULT lines.
echo
echo "=== side by side (this machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg))"
/usr/bin/python3 - "$work/sqlite.result" "$work/postgresql.result" <<'EOF'
import sys
def read(path):
    try:
        line = open(path).read().split()
    except OSError:
        return {}
    return dict(kv.split("=", 1) for kv in line[1:])
sqlite, pg = read(sys.argv[1]), read(sys.argv[2])
print(f"{'':<18} {'SQLite':>12} {'PostgreSQL':>12}")
for key in ["requests", "errors", "rps", "p50_ms", "p99_ms", "max_ms", "healthz_p50_ms", "healthz_p99_ms",
            "import_s", "pdf_s"]:
    print(f"{key:<18} {sqlite.get(key, '-'):>12} {pg.get(key, '-'):>12}")
EOF
exit $overall
