#!/usr/bin/env bash
# The whole benchmark suite, against embedded FerretDB and Valkey started by each benchmark
# (or the servers in STUCKPOINT_MONGODB_URL / STUCKPOINT_REDIS_URL). Arguments go to
# bench/run_all.py: --quick for a short run, --only throughput,growth for some.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! .venv/bin/python -c 'import psutil, pyinstrument' 2>/dev/null; then
  .venv/bin/pip install --quiet 'psutil>=5.9' 'pyinstrument>=4.6'
fi
exec .venv/bin/python -m bench.run_all "$@"
