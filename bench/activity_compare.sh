#!/usr/bin/env bash
# Runs the activity log benchmark: esafe's store against SQLite (indexed) and
# `zstdcat | grep` over the same events as raw JSON lines, printing the ratios in one run.
#
#   bench/activity_compare.sh [BUILD_DIR] [EVENTS]
#
# Defaults: build-activity, 10,000,000 events (about 5 minutes on 2 cores; needs ~6 GB
# free in $TMPDIR). The pipelines it times for the grep column are, for example:
#   zstdcat events.jsonl.zst | grep -F '"client":"10.49.1.146"' | grep -cF '"time":"2026-10-16T'
#   zstdcat events.jsonl.zst | grep -cF '"host":"h1000.example.com"'
#   zstdcat events.jsonl.zst | grep -F '"client":"10.42.' | grep -E '"time":"2026-10-0[1-7]T' \
#     | grep -oE '"category":"[^"]*"' | sort | uniq -c
set -euo pipefail
build=${1:-build-activity}
events=${2:-10000000}
command -v zstdcat >/dev/null || { echo "activity_compare: zstdcat is needed" >&2; exit 2; }
exec "$build/bench/activity_bench" --events "$events" --dir "${TMPDIR:-/tmp}/esafe-activity-bench"
