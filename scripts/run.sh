#!/usr/bin/env bash
# The README's run command: installs what is missing, starts PostgreSQL, the broker and the four
# services, and keeps serving until Ctrl-C, which stops everything cleanly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash "$ROOT/scripts/bootstrap.sh"

export STACK_DIR="$ROOT/.tools/stack-local"
export PG_PORT="${HOTLINE_DB_PORT:-55432}"
export BROKER_PORT="${HOTLINE_BROKER_PORT:-59092}"
CONFIGURATION="${HOTLINE_BUILD_CONFIGURATION:-debug}"
# shellcheck source=lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"

SERVICES=(intake routing accountability notification warehouse)
declare -A PORTS=([intake]=8080 [routing]=8081 [accountability]=8082 [notification]=8083 [warehouse]=8084)
PIDS=()

shutdown() {
  local status="$1"
  trap - EXIT INT TERM
  echo
  stack_log "stopping services"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_broker
  stop_postgres
  exit "$status"
}
trap 'shutdown $?' EXIT
trap 'shutdown 0' INT TERM

start_postgres
start_broker

stack_log "building ($CONFIGURATION)"
swift build -c "$CONFIGURATION"
BIN="$(swift build -c "$CONFIGURATION" --show-bin-path)"

mkdir -p "$STACK_DIR/logs"
# As in the container image: fewer glibc malloc arenas, less resident memory.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
export HOTLINE_DB_HOST=127.0.0.1 HOTLINE_DB_PORT="$PG_PORT" HOTLINE_KAFKA_BROKERS="127.0.0.1:$BROKER_PORT"

# Reference data and a local operator key (development mode only: the key is fixed and public).
"$BIN/hotlinectl" migrate >/dev/null
"$BIN/hotlinectl" seed --directory "$ROOT/reference"
DEV_OPERATOR_KEY="hk_local_dev_operator_key"
"$BIN/hotlinectl" apikey create --role operator --label "local development" --key "$DEV_OPERATOR_KEY" >/dev/null
DEV_COORDINATOR_KEY="hk_local_dev_coordinator_key"
"$BIN/hotlinectl" apikey create --role coordinator --label "local national coordination" --key "$DEV_COORDINATOR_KEY" >/dev/null
for service in "${SERVICES[@]}"; do
  HOTLINE_HTTP_PORT="${PORTS[$service]}" "$BIN/hotline-$service" >"$STACK_DIR/logs/$service.log" 2>&1 &
  PIDS+=($!)
done

for service in "${SERVICES[@]}"; do
  port="${PORTS[$service]}"
  for _ in $(seq 1 150); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 \
    || { echo "hotline-$service did not become ready; see $STACK_DIR/logs/$service.log" >&2; tail -n 20 "$STACK_DIR/logs/$service.log" >&2; exit 1; }
  stack_log "hotline-$service ready on http://127.0.0.1:$port"
done

cat <<MSG

  The hotline is running. Post a report:

    curl -s -X POST http://127.0.0.1:8080/v1/reports \\
      -H "Authorization: Bearer $DEV_OPERATOR_KEY" \\
      -H 'Content-Type: application/json' \\
      -d '{"text":"Des hommes armés ont attaqué le marché de Sévaré","channel":"operator","language":"fr","location_hint":"Sévaré"}'

  Or as Africa's Talking would deliver an SMS:

    curl -s -X POST 'http://127.0.0.1:8080/v1/inbound/africastalking/sms?token=dev-africastalking-token' \\
      --data-urlencode 'from=+22376123456' --data-urlencode 'to=20123' --data-urlencode "id=\$(date +%s%N)" \\
      --data-urlencode 'text=Vol de bétail à Douentza cette nuit'

  Watch it arrive in routing:

    PGPASSWORD=hotline psql -h 127.0.0.1 -p $PG_PORT -U hotline hotline \\
      -c 'SELECT reference_code, rule, target, routed_at FROM routing.cases ORDER BY routed_at DESC LIMIT 5'

  Follow the case as a national coordinator (accountability), then act on it:

    curl -s -H "Authorization: Bearer $DEV_COORDINATOR_KEY" 'http://127.0.0.1:8082/v1/cases?limit=5'
    curl -s -H "Authorization: Bearer $DEV_COORDINATOR_KEY" -H 'Content-Type: application/json' \\
      -d '{"action":"acknowledge"}' http://127.0.0.1:8082/v1/cases/<code>/actions
    curl -s -H "Authorization: Bearer $DEV_COORDINATOR_KEY" 'http://127.0.0.1:8082/v1/cases/<code>/record?format=text'

  Health, readiness and metrics: http://127.0.0.1:{8080..8084}/healthz, /readyz, /metrics
  Logs: $STACK_DIR/logs/*.log      Ctrl-C stops everything.

MSG

wait -n "${PIDS[@]}" || true
# Also reached on Ctrl-C, which stops the services too, often before this script's own trap runs.
echo "a service stopped; stopping the rest (logs: $STACK_DIR/logs)" >&2
exit 1
