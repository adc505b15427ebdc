#!/usr/bin/env bash
# System packages the scan tests need in CI: Debian's Chromium, driven by Playwright for
# Python (pip extra `browser`; never `playwright install`, browser downloads fail here).
# Idempotent: safe to run on every CI run.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi
chromium --version
