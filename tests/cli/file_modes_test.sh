#!/bin/sh
# Every file esafe writes is closed to other users whatever the umask it starts with
# (issue 19 finding 6): `esafe serve --demo` with umask 000 writes the SQLite database, its
# WAL and shared memory, the demo password and the activity log; none is readable or
# writable by others, none writable by the group, the password file by its owner only.
# Usage: file_modes_test.sh ESAFE_BIN
set -eu
bin=$1
dir=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
umask 000
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --db "sqlite:$dir/db/esafe.db" --listen "127.0.0.1:$port" --demo --activity-log "$dir/log" \
  >"$dir/out.txt" 2>&1 &
pid=$!
i=0
until grep -q "esafe is running at" "$dir/out.txt"; do
  i=$((i + 1))
  [ $i -lt 600 ] || { echo "FAIL: serve did not start"; cat "$dir/out.txt"; exit 1; }
  kill -0 $pid 2>/dev/null || { echo "FAIL: serve exited"; cat "$dir/out.txt"; exit 1; }
  sleep 0.1
done
bad=$(find "$dir/db" "$dir/log" -perm /o=rwx -o -perm /g=w)
[ -z "$bad" ] || { echo "FAIL: open to others or group-writable:"; ls -l $bad; exit 1; }
for f in "$dir/db/esafe.db" "$dir/db/demo-login.txt"; do
  [ -e "$f" ] || { echo "FAIL: $f was not written"; exit 1; }
done
ls "$dir/db" | grep -q 'esafe.db-wal' || { echo "FAIL: no WAL file to check"; ls -l "$dir/db"; exit 1; }
[ "$(stat -c %a "$dir/db/demo-login.txt")" = 600 ] || { echo "FAIL: demo-login.txt is $(stat -c %a "$dir/db/demo-login.txt")"; exit 1; }
[ -n "$(find "$dir/log" -type f)" ] || { echo "FAIL: the activity log wrote no file"; exit 1; }
echo "ok: $(find "$dir/db" "$dir/log" -type f | wc -l) files, none open to others"
