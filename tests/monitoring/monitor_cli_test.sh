#!/bin/sh
# `esafe monitor run` end to end: twelve blocked requests from one library computer go
# into a real activity log; the run records one repeated-blocks alert; a rerun over the
# same log records none; a broken rules file is refused with file, line and reason.
# Usage: monitor_cli_test.sh ESAFE_BIN SOURCE_DIR
set -eu
bin=$1
src=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
i=0
while [ $i -lt 12 ]; do
  printf '{"time":"2026-11-20T15:00:%02dZ","client":"10.20.1.50","site":"Central Library","agency":"County Library Service","url":"http://adult%d.example/","category":"adult","action":"block"}\n' $((i * 4)) $i
  i=$((i + 1))
done >"$dir/events.jsonl"
"$bin" log ingest "$dir/log" --stdin <"$dir/events.jsonl" >/dev/null
run() { "$bin" monitor run --db "sqlite:$dir/esafe.db" --log "$dir/log" --terms "$src/data/monitoring/terms" "$@"; }
first=$(run)
echo "$first"
echo "$first" | grep -q "recorded 1 alerts (0 already recorded)" || { echo "FAIL: first run"; exit 1; }
echo "$first" | grep -q "medium	repeated_blocks	County Library Service" || { echo "FAIL: alert line"; exit 1; }
again=$(run)
echo "$again"
echo "$again" | grep -q "recorded 0 alerts (1 already recorded)" || { echo "FAIL: rerun raised again"; exit 1; }
printf 'search_window: 60\nrepeat_threshold: many\n' >"$dir/rules.yaml"
if err=$(run --rules "$dir/rules.yaml" 2>&1); then echo "FAIL: broken rules accepted"; exit 1; fi
echo "$err" | grep -q "rules.yaml:2: 'repeat_threshold' must be a whole number" || { echo "FAIL: $err"; exit 1; }
echo "ok"
