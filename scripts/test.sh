#!/usr/bin/env bash
# The test suite against real servers (embedded FerretDB and Valkey unless URLs are set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f tracker/install-browser.sh ]; then
  bash tracker/install-browser.sh
fi

set +e
.venv/bin/python -m pytest "$@" 2>&1 | tee .pytest-output.log
status=${PIPESTATUS[0]}
set -e
if [ "$status" -eq 0 ] && ! grep -Eq '[0-9]+ passed' .pytest-output.log; then
  echo "no test passed: failing the run" >&2
  status=1
fi
rm -f .pytest-output.log

# The browser tracker's own tests (node's test runner, headless Chromium).
if [ -f tracker/package.json ] && [ -z "${STUCKPOINT_SKIP_TRACKER_TESTS:-}" ]; then
  (cd tracker && npm test) || status=1
fi

# The console's own unit tests (node's test runner); its browser test runs in pytest
# (tests/console/).
if [ -f console/package.json ] && [ -z "${STUCKPOINT_SKIP_CONSOLE_TESTS:-}" ]; then
  (cd console && npm test) || status=1
fi
exit "$status"
