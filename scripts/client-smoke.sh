#!/usr/bin/env bash
# Drives the real `tandem sandbox` with real client libraries (tests/smoke/clients.py):
# simple-salesforce against the emulated Salesforce, the `netsuite` package (TBA) against the
# emulated NetSuite. The libraries are installed from PyPI into a private venv under target/
# (reused while tests/smoke/requirements.txt is unchanged). Exits non-zero when any check fails.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/client-smoke-venv
requirements=tests/smoke/requirements.txt

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else return 1; fi
}

# A venv with pip. Debian's python3 lacks ensurepip until python3-venv is installed; without
# root, virtualenv (installed for this user) makes the venv instead.
make_venv() {
  if ! command -v python3 >/dev/null 2>&1; then
    as_root apt-get update -qq && as_root apt-get install -y -qq python3 python3-venv >/dev/null ||
      { echo "client-smoke: python3 is needed" >&2; exit 1; }
  fi
  rm -rf "$venv"
  if python3 -m venv "$venv" >/dev/null 2>&1; then return; fi
  rm -rf "$venv"
  local version
  version=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  if command -v apt-get >/dev/null 2>&1 &&
    { as_root apt-get update -qq && as_root apt-get install -y -qq "python${version}-venv" >/dev/null ||
      as_root apt-get install -y -qq python3-venv >/dev/null; } 2>/dev/null &&
    python3 -m venv "$venv" >/dev/null 2>&1; then
    return
  fi
  rm -rf "$venv"
  echo "client-smoke: python3 -m venv unavailable; using virtualenv" >&2
  python3 -m pip install --user --quiet virtualenv ||
    python3 -m pip install --user --quiet --break-system-packages virtualenv
  python3 -m virtualenv --quiet "$venv"
}

stamp="$venv/.requirements"
if [ ! -x "$venv/bin/python" ] || ! cmp -s "$requirements" "$stamp"; then
  echo "client-smoke: installing $(grep -cv '^#' "$requirements") pinned packages into $venv"
  make_venv
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
fi

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
