#!/usr/bin/env bash
# Sourced by scripts/test: no unused dependency (cargo-machete), and the dependency policy in
# deny.toml, checked by cargo-deny.
# Licences, bans and sources need only Cargo.lock and crates.io, so they always run. Advisories
# need the RustSec database, which lives on GitHub:
#   TANDEM_ADVISORY_DB=<dir>  use the database already under <dir> (filled by `cargo deny fetch db`
#                             with the same variable set, e.g. restored from a CI cache); no fetch.
#   otherwise                 fetch it into target/advisory-dbs; when that fails (no network to
#                             GitHub) the advisories check is skipped, and says so.

# Pinned so that CI installs them once and its cache of ~/.cargo/bin stays valid.
cargo_deny_version=0.20.2
cargo_machete_version=0.9.2

# Installs `cargo <tool>` from crates.io into ~/.cargo/bin unless it is already there.
ensure_cargo_tool() {
  local tool=$1 version=$2
  if cargo "$tool" --version >/dev/null 2>&1; then
    return
  fi
  echo "== installing cargo-$tool $version into ${CARGO_HOME:-$HOME/.cargo}/bin (once; a few minutes)"
  cargo install --locked --quiet "cargo-$tool" --version "$version" \
    || { echo "scripts/test: could not install cargo-$tool from crates.io" >&2; exit 1; }
}

ensure_cargo_deny() {
  ensure_cargo_tool deny "$cargo_deny_version"
  ensure_cargo_tool machete "$cargo_machete_version"
}

# The advisories check without touching the network for the database. `--frozen` also keeps
# cargo offline, and cargo metadata wants every crate of the lockfile (Windows ones too), so
# they are downloaded first.
check_advisories_offline() {
  cargo fetch --locked --quiet
  cargo deny --frozen check --hide-inclusion-graph advisories
}

check_dependencies() {
  echo "== cargo machete: every dependency in Cargo.toml is used"
  cargo machete

  echo "== cargo deny: licences, bans, sources"
  cargo deny --locked check --hide-inclusion-graph licenses bans sources

  if [ -n "${TANDEM_ADVISORY_DB:-}" ]; then
    if [ ! -d "$TANDEM_ADVISORY_DB" ]; then
      echo "scripts/test: TANDEM_ADVISORY_DB=$TANDEM_ADVISORY_DB is not a directory" >&2
      exit 1
    fi
    echo "== cargo deny: advisories (database under $TANDEM_ADVISORY_DB, not fetched)"
    check_advisories_offline
    return
  fi
  local fetch_log
  fetch_log=$(mktemp)
  if timeout 180 cargo deny fetch db >"$fetch_log" 2>&1; then
    rm -f "$fetch_log"
    echo "== cargo deny: advisories (database fetched from GitHub)"
    check_advisories_offline
  else
    local reason
    reason=$(grep -m 1 -i 'error' "$fetch_log" | sed 's/^.*\[ERROR\] //' | cut -c 1-110 || true)
    echo "== cargo deny: advisories SKIPPED: the RustSec advisory database could not be fetched"
    echo "   (${reason:-no answer within 180 s}…)"
    echo "   No advisory was checked. Give the check a database with TANDEM_ADVISORY_DB=<dir>"
    echo "   (filled by 'TANDEM_ADVISORY_DB=<dir> cargo deny fetch db' where GitHub is reachable)."
    rm -f "$fetch_log"
  fi
}
