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

# RabbitMQ: reuse one listening on 127.0.0.1:5672 (guest/guest); otherwise start a private node
# (tandem-test@localhost on 127.0.0.1:5682) from the installed Debian package, installing it
# first when missing and allowed. Exports TANDEM_TEST_AMQP_URL and TANDEM_TEST_RABBITMQ_NODE
# (the node name, for tests that stop and start the broker with rabbitmqctl).
port_open() {
  (echo >"/dev/tcp/127.0.0.1/$1") >/dev/null 2>&1
}

as_rabbitmq() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u rabbitmq -- env HOME=/var/lib/rabbitmq "$@"
  else
    env HOME="${HOME:-/tmp}" "$@"
  fi
}

ensure_rabbitmq() {
  if [ -n "${TANDEM_TEST_AMQP_URL:-}" ]; then
    return
  fi
  if port_open 5672; then
    export TANDEM_TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:5672/%2f"
    export TANDEM_TEST_RABBITMQ_NODE="${TANDEM_TEST_RABBITMQ_NODE:-rabbit@localhost}"
    echo "== RabbitMQ: using the broker on 127.0.0.1:5672"
    return
  fi
  if [ ! -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      fail "RabbitMQ is needed for the queue tests: none listens on 127.0.0.1:5672 and it is not installed (install Debian's rabbitmq-server package, or set TANDEM_TEST_AMQP_URL)"
    fi
    echo "== installing RabbitMQ (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null \
      || fail "could not install RabbitMQ with apt-get"
  fi
  local data="$services_dir/rabbitmq" node="tandem-test@localhost" port=5682
  mkdir -p "$data"
  printf 'listeners.tcp.default = 127.0.0.1:%s\nloopback_users.guest = true\n' "$port" >"$data/rabbitmq.conf"
  echo "[]." >"$data/enabled_plugins"
  [ "$(id -u)" = 0 ] && chown -R rabbitmq: "$data"
  if ! port_open "$port"; then
    as_rabbitmq RABBITMQ_NODENAME="$node" RABBITMQ_DIST_PORT=25682 \
      RABBITMQ_CONFIG_FILE="$data/rabbitmq.conf" RABBITMQ_MNESIA_BASE="$data/mnesia" \
      RABBITMQ_LOG_BASE="$data/log" RABBITMQ_PID_FILE="$data/pid" \
      RABBITMQ_ENABLED_PLUGINS_FILE="$data/enabled_plugins" \
      /usr/lib/rabbitmq/bin/rabbitmq-server -detached >/dev/null 2>&1 \
      || fail "RabbitMQ did not start (see $data/log)"
    local waited=0
    until port_open "$port"; do
      [ "$waited" -ge 120 ] && fail "RabbitMQ did not listen on 127.0.0.1:$port within 60 s (see $data/log)"
      sleep 0.5
      waited=$((waited + 1))
    done
  fi
  export TANDEM_TEST_AMQP_URL="amqp://guest:guest@127.0.0.1:$port/%2f"
  export TANDEM_TEST_RABBITMQ_NODE="$node"
  echo "== RabbitMQ: private broker $node on 127.0.0.1:$port ($data)"
}

# Headless Chromium and its WebDriver for the ops page's browser test (tests/browser): Debian's
# chromium and chromium-driver, installed when /usr/bin/chromedriver is missing.
ensure_chromium() {
  if [ -x /usr/bin/chromedriver ] && [ -x /usr/bin/chromium ]; then
    return
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    fail "the browser test needs Debian's chromium and chromium-driver packages (apt-get install -y chromium chromium-driver)"
  fi
  echo "== installing Chromium and chromedriver (Debian packages)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null \
    || fail "could not install chromium and chromium-driver with apt-get"
}
