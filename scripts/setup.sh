#!/usr/bin/env bash
# Installs everything Stuckpoint needs on a fresh machine: a virtualenv with the Python packages,
# the embedded FerretDB build (Go), the browser tracker bundle and the web console (npm).
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
  echo "Python >=3.11 is required (found $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e '.[dev]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

# The embedded store, unless a MongoDB URL is configured.
if [ -z "${STUCKPOINT_MONGODB_URL:-}" ]; then
  if ! command -v go >/dev/null 2>&1; then
    echo "Go toolchain not found: install Go >=1.24 or set STUCKPOINT_MONGODB_URL" >&2
    exit 1
  fi
  .venv/bin/stuckpoint --log-level warning build-store >/dev/null
fi

# The browser tracker bundle, served by the API at /tracker.js.
if [ -f tracker/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: install Node.js >=20 to build the tracker" >&2
    exit 1
  fi
  (cd tracker && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } \
    && npm run --silent build)
fi

# The web console, served by the API at /console.
if [ -f console/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm not found: install Node.js >=20 to build the console" >&2
    exit 1
  fi
  (cd console && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } \
    && npm run --silent build)
fi
