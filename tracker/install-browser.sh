#!/usr/bin/env bash
# Install Debian's Chromium for the tracker's browser tests, unless it is already there.
# Test tools' own browser downloads cannot work here; the tests drive /usr/bin/chromium instead.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium present: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y chromium
echo "chromium installed: $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"
