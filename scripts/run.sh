#!/usr/bin/env bash
# The main job: install, then run embedded servers, the worker and the API, and post demo data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/stuckpoint run --demo "$@"
