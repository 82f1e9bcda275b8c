#!/usr/bin/env bash
# Headless Chromium for the test that prints the HTML report to PDF (issue 7), from Debian's
# own packages. Does nothing when chromium is already installed; needs root (CI runs as root).
set -euo pipefail
if command -v chromium > /dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "browser.sh: chromium is missing and installing it needs root: apt-get install -y chromium" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Recommends would bring a desktop's worth of packages; fonts are the only one the PDF needs.
apt-get install -y -qq --no-install-recommends chromium fonts-liberation fonts-dejavu-core > /dev/null
chromium --version
