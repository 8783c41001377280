#!/usr/bin/env bash
# Property-based tests of the HTTP API against its own document: schemathesis (from PyPI, in a
# private venv under target/) generates requests from openapi/tandem.yaml — examples, boundary
# values, random inputs and stateful sequences — against the real binary with the admin token,
# and fails on any 5xx, any status, content type, header or body the document does not allow,
# or a panic in tandem's log. TANDEM_API_FUZZ_EXAMPLES sets the examples per operation (30).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/schemathesis-venv
# shellcheck source=scripts/python-venv.sh
. scripts/python-venv.sh
ensure_venv "$venv" api-fuzz tests/schemathesis/requirements.txt

cargo build --locked --quiet --bin tandem

work=$(mktemp -d)
token="api-fuzz-admin-token-$(date +%s%N)"
cat >"$work/tandem.toml" <<TOML
[server]
listen = "127.0.0.1:0"
admin_token = "$token"
log_format = "json"

[queue]
path = "$work/queue.db"

[store]
url = "sqlite://$work/store.db"

[salesforce]
organization_id = "ABC90000000gNcmEAE"
webhook_secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]

[netsuite]
webhook_secrets = ["whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"]
TOML
target/debug/tandem serve --config "$work/tandem.toml" 2>"$work/tandem.log" &
tandem_pid=$!
stop() {
  kill "$tandem_pid" 2>/dev/null && wait "$tandem_pid" 2>/dev/null
  rm -rf "$work"
}
trap stop EXIT

address=""
deadline=$((SECONDS + 60))
while [ -z "$address" ]; do
  address=$(grep -o '"message":"tandem is listening"[^}]*' "$work/tandem.log" |
    grep -o '"address":"[^"]*"' | head -1 | cut -d'"' -f4 || true)
  if ! kill -0 "$tandem_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
    echo "api-fuzz: tandem did not start:" >&2
    cat "$work/tandem.log" >&2
    exit 1
  fi
  [ -n "$address" ] || sleep 0.2
done
echo "api-fuzz: tandem at $address"

status=0
"$venv/bin/st" run openapi/tandem.yaml --url "http://$address" \
  -H "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --max-examples "${TANDEM_API_FUZZ_EXAMPLES:-30}" --no-color || status=$?
if grep -q panicked "$work/tandem.log"; then
  echo "api-fuzz: tandem panicked:" >&2
  grep -A20 panicked "$work/tandem.log" >&2
  status=1
fi
exit "$status"
