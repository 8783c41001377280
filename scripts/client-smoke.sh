#!/usr/bin/env bash
# Drives the real `tandem sandbox` with real client libraries (tests/smoke/clients.py):
# simple-salesforce against the emulated Salesforce, the `netsuite` package (TBA) against the
# emulated NetSuite. The libraries are installed from PyPI into a private venv under target/
# (reused while tests/smoke/requirements.txt is unchanged). Exits non-zero when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/client-smoke-venv
requirements=tests/smoke/requirements.txt

# shellcheck source=scripts/python-venv.sh
. scripts/python-venv.sh

ensure_venv "$venv" client-smoke "$requirements"

cargo build --locked --quiet --bin tandem

log=$(mktemp)
target/debug/tandem sandbox --salesforce-listen 127.0.0.1:0 --netsuite-listen 127.0.0.1:0 >"$log" 2>&1 &
sandbox_pid=$!
stop_sandbox() {
  kill "$sandbox_pid" 2>/dev/null && wait "$sandbox_pid" 2>/dev/null
  rm -f "$log"
}
trap stop_sandbox EXIT

# Wait for the banner's two URL lines (or the sandbox's exit), at most 60 s.
salesforce_url="" netsuite_url=""
deadline=$((SECONDS + 60))
while [ -z "$salesforce_url" ] || [ -z "$netsuite_url" ]; do
  salesforce_url=$(awk '/^Salesforce +http/ {print $2; exit}' "$log")
  netsuite_url=$(awk '/^NetSuite +http/ {print $2; exit}' "$log")
  if ! kill -0 "$sandbox_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
    echo "client-smoke: the sandbox did not print its banner:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done
echo "client-smoke: sandbox at $salesforce_url (Salesforce) and $netsuite_url (NetSuite)"

SANDBOX_SALESFORCE_URL=$salesforce_url SANDBOX_NETSUITE_URL=$netsuite_url \
  "$venv/bin/python" tests/smoke/clients.py
