#!/usr/bin/env bash
# System pieces the web door's browser tests need: Debian's chromium (driven by Playwright
# for Python; never `playwright install`, which downloads its own browser) and axe-core for
# the accessibility check. Idempotent: safe to run before every CI run.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium
fi

# axe-core into a repo-local cache the tests find (tests/web/conftest.py: AXE_DEFAULT);
# POSTCHECK_AXE_JS can point elsewhere.
AXE_DIR=".cache/npm"
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q npm
  fi
  mkdir -p "$AXE_DIR"
  npm install --prefix "$AXE_DIR" --no-audit --no-fund --silent axe-core@4
fi
echo "web: chromium $(chromium --version 2>/dev/null | awk '{print $2}'), axe-core $(node -p "require('./$AXE_DIR/node_modules/axe-core/package.json').version" 2>/dev/null || echo '?')"
