#!/bin/sh
# Fails when a file under src/ is over 600 lines: one concept a file (issue 20, item 3).
# Usage: source_size_test.sh SOURCE_DIR
set -eu
limit=600
cd "$1"
# Files allowed over the limit for now, one a line; a listed file that is no longer
# over the limit fails the test too, so the list cannot go stale. Empty: none is.
allowed="
"
status=0
for f in $allowed; do
  if [ ! -f "$f" ]; then
    echo "$f: listed but gone: remove it from the list in $0" >&2
    status=1
  fi
done
for f in $(find src -type f \( -name '*.cc' -o -name '*.h' -o -name '*.js' -o -name '*.css' -o -name '*.html' \
    -o -name '*.cmake' -o -name '*.in' -o -name '*.txt' \) | sort); do
  n=$(wc -l < "$f")
  listed=no
  case "$allowed" in *"
$f
"*) listed=yes ;; esac
  if [ "$n" -gt "$limit" ] && [ "$listed" = no ]; then
    echo "$f: $n lines, over $limit: split it by concept" >&2
    status=1
  elif [ "$n" -le "$limit" ] && [ "$listed" = yes ]; then
    echo "$f: $n lines, no longer over $limit: remove it from the list in $0" >&2
    status=1
  fi
done
exit $status
