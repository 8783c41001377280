#!/usr/bin/env bash
# Sourced by scripts/test: makes the servers the tests talk to available, on a fresh machine too.
# PostgreSQL: reuse one already listening on 127.0.0.1:5432 (trust auth, database `test`);
# otherwise start a private cluster under $TMPDIR/tandem-test-services from the installed Debian packages,
# installing them first when missing and allowed. Exports TANDEM_TEST_POSTGRES_URL.

# Outside the checkout: the postgres user must be able to reach it.
services_dir="${TMPDIR:-/tmp}/tandem-test-services"

fail() {
  echo "scripts/test: $*" >&2
  exit 1
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

postgres_bin() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] && echo "$bin"
}

install_postgres() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "PostgreSQL is needed for the store tests: none listens on 127.0.0.1:5432 and it is not installed (install Debian's postgresql package, or set TANDEM_TEST_POSTGRES_URL)"
  fi
  echo "== installing PostgreSQL (Debian package)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
    || fail "could not install PostgreSQL with apt-get"
}

ensure_postgres() {
  if [ -n "${TANDEM_TEST_POSTGRES_URL:-}" ]; then
    return
  fi
  local shared="postgres://postgres@127.0.0.1:5432/test"
  if command -v psql >/dev/null 2>&1 && psql "$shared" -qAtc 'select 1' >/dev/null 2>&1; then
    export TANDEM_TEST_POSTGRES_URL="$shared"
    echo "== PostgreSQL: using the server on 127.0.0.1:5432"
    return
  fi
  local bin
  bin=$(postgres_bin) || true
  if [ -z "$bin" ]; then
    install_postgres
    bin=$(postgres_bin) || fail "PostgreSQL installed but initdb is not under /usr/lib/postgresql"
  fi
  local data="$services_dir/postgres" port=55432
  mkdir -p "$services_dir"
  if [ ! -f "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$data" "$services_dir"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null \
      || fail "initdb failed in $data"
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w \
      -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
      || fail "PostgreSQL did not start (see $data/server.log)"
  fi
  as_postgres "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc \
    "select 1 from pg_database where datname = 'test'" postgres | grep -q 1 \
    || as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres test \
    || fail "could not create the test database"
  export TANDEM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/test"
  echo "== PostgreSQL: private server on 127.0.0.1:$port ($data)"
}
