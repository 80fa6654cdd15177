# Shared helpers for run.sh and test.sh: start and stop PostgreSQL and the Tansu broker.
# Sourced, not executed. Expects ROOT, STACK_DIR, PG_PORT, BROKER_PORT to be set.

stack_log() { printf '\033[1;32m[stack]\033[0m %s\n' "$*"; }

pg_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  [ -n "$bin" ] || { echo "PostgreSQL binaries not found; run scripts/bootstrap.sh" >&2; return 1; }
  echo "$bin"
}

as_postgres() { runuser -u postgres -- "$@"; }

# The server settings of deploy/postgres/hotline.conf as "-c name=value" options.
pg_settings_options() {
  sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]*=[[:space:]]*/=/' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' \
    "$ROOT/deploy/postgres/hotline.conf" | sed 's/^/-c /' | tr '\n' ' '
}

start_postgres() {
  local bin data="$STACK_DIR/pgdata" logfile="$STACK_DIR/postgres.log"
  bin="$(pg_bin)"
  mkdir -p "$STACK_DIR"
  chown postgres:postgres "$STACK_DIR"
  if [ ! -f "$data/PG_VERSION" ]; then
    stack_log "initialising PostgreSQL data directory $data"
    local pwfile="$STACK_DIR/.pgpass-init"
    echo "${HOTLINE_DB_PASSWORD:-hotline}" > "$pwfile"
    chown postgres:postgres "$pwfile"; chmod 600 "$pwfile"
    as_postgres "$bin/initdb" -D "$data" -U hotline --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
  fi
  if as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    stack_log "PostgreSQL already running on port $PG_PORT"
  else
    stack_log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
    as_postgres "$bin/pg_ctl" -D "$data" -l "$logfile" -w -t 60 \
      -o "-p $PG_PORT -k $STACK_DIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=${HOTLINE_PG_FSYNC:-on} $(pg_settings_options)" start >/dev/null \
      || { echo "PostgreSQL failed to start; see $logfile" >&2; tail -n 20 "$logfile" >&2; return 1; }
  fi
  # Database creation is idempotent.
  if ! as_postgres "$bin/psql" -h "$STACK_DIR" -p "$PG_PORT" -U hotline -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='hotline'" | grep -q 1; then
    as_postgres "$bin/psql" -h "$STACK_DIR" -p "$PG_PORT" -U hotline -d postgres -qc "CREATE DATABASE hotline" >/dev/null
  fi
}

stop_postgres() {
  local bin data="$STACK_DIR/pgdata"
  bin="$(pg_bin)" || return 0
  [ -f "$data/PG_VERSION" ] || return 0
  if as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    stack_log "stopping PostgreSQL"
    as_postgres "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null || true
  fi
}

wait_for_port() {
  local port="$1" what="$2" tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    tries=$((tries + 1))
    if [ "$tries" -gt 100 ]; then
      echo "$what did not open port $port within 20 s" >&2
      return 1
    fi
    sleep 0.2
  done
}

start_broker() {
  local pidfile="$STACK_DIR/tansu.pid" logfile="$STACK_DIR/tansu.log"
  mkdir -p "$STACK_DIR"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    stack_log "Tansu broker already running on port $BROKER_PORT"
    return 0
  fi
  stack_log "starting Tansu broker on 127.0.0.1:$BROKER_PORT (in-memory storage)"
  "$ROOT/.tools/bin/tansu" broker \
    --listener-url "tcp://127.0.0.1:$BROKER_PORT" \
    --advertised-listener-url "tcp://127.0.0.1:$BROKER_PORT" \
    --storage-engine memory://tansu/ >"$logfile" 2>&1 &
  echo $! > "$pidfile"
  wait_for_port "$BROKER_PORT" "Tansu" || { tail -n 20 "$logfile" >&2; return 1; }
}

stop_broker() {
  local pidfile="$STACK_DIR/tansu.pid"
  if [ -f "$pidfile" ]; then
    local pid
    pid="$(cat "$pidfile")"
    if kill -0 "$pid" 2>/dev/null; then
      stack_log "stopping Tansu broker"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  fi
}
