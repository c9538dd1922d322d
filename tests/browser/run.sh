#!/usr/bin/env bash
# Runs the browser tests: installs the pinned playwright-core from the lockfile
# (no browser download; Debian's /usr/bin/chromium is used) and runs them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export ESAFE_BIN=$1 BUILD_DIR=$2
cd "$here"
if [[ ! -d node_modules/playwright-core ]]; then npm ci --no-audit --no-fund --loglevel=error; fi
exec node --test ./*.test.mjs
