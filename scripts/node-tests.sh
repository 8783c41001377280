#!/usr/bin/env bash
# The NetSuite SuiteScript tests (deploy/netsuite/test) under node's built-in test runner. Makes
# sure node 18 or newer is present, installing Debian's nodejs when it is missing (as root, or
# through sudo). The tests start the real tandem binary: build it first (cargo test does), or set
# TANDEM_BIN.
set -euo pipefail
cd "$(dirname "$0")/.."

node_major() {
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

ensure_node() {
  if command -v node >/dev/null 2>&1 && [ "$(node_major)" -ge 18 ]; then
    return
  fi
  echo "scripts/node-tests.sh: installing nodejs (node 18 or newer is needed)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq nodejs >/dev/null
  if [ "$(node_major)" -lt 18 ]; then
    echo "scripts/node-tests.sh: node $(node --version) is too old; node 18 or newer is needed" >&2
    exit 1
  fi
}

ensure_node
# The files are named, not the folder: node 21 and later read --test arguments as glob patterns.
node --test deploy/netsuite/test/*.test.mjs
