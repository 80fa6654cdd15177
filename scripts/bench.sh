#!/usr/bin/env bash
# Issue 8's benchmarks in one command: installs what it needs (wrk, pgbench, rdkafka_performance,
# aiohttp), starts its own PostgreSQL, broker and services on their own ports, builds release, runs
# each baseline next to its measure, and writes docs/performance.md (date, machine, this command).
#
#   bash scripts/bench.sh                     # everything (about 25 minutes on 2 shared cores)
#   bash scripts/bench.sh --only intake,kafka # a part; --seconds, --e2e-seconds, --kafka-messages, --kafka-rounds
#   HOTLINE_BENCH_SKIP_MICRO=1 bash scripts/bench.sh   # keep the micro-benchmark table of the last run
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
COMMAND="bash scripts/bench.sh${*:+ $*}"

bash "$ROOT/scripts/bootstrap.sh"
# shellcheck source=lib/load_tools.sh
source "$ROOT/scripts/lib/load_tools.sh"
install_load_python
install_bench_tools

export STACK_DIR="$ROOT/.tools/stack-bench"
export PG_PORT="${HOTLINE_BENCH_DB_PORT:-25643}"
export BROKER_PORT="${HOTLINE_BENCH_BROKER_PORT:-29643}"
# shellcheck source=lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
trap 'stop_postgres' EXIT INT TERM
start_postgres

stack_log "building (release)"
swift build -c release >/dev/null
BIN="$(swift build -c release --show-bin-path)"
(cd Benchmarks && swift build -c release --product KafkaThroughput >/dev/null)
KAFKA_BENCH="$(cd Benchmarks && swift build -c release --show-bin-path)/KafkaThroughput"

MICRO="$STACK_DIR/micro.md"
if [ -z "${HOTLINE_BENCH_SKIP_MICRO:-}" ]; then
  stack_log "micro benchmarks (package-benchmark)"
  (cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --target RoutingBenchmarks --format markdown --no-progress) \
    | sed -n '/^## /,$p' > "$MICRO.new" && mv "$MICRO.new" "$MICRO"
fi

cd "$ROOT/scripts"
"$ROOT/.tools/venv/bin/python" -m hotline_load.bench --root "$ROOT" --bin "$BIN" --stack-dir "$STACK_DIR" \
  --pg-port "$PG_PORT" --broker-port "$BROKER_PORT" --pgbench "$(pg_bin)/pgbench" --kafka-bench "$KAFKA_BENCH" \
  --micro "$MICRO" --command "$COMMAND" \
  --http-base "${HOTLINE_BENCH_HTTP_BASE:-18080}" --gateway-port "${HOTLINE_BENCH_GATEWAY_PORT:-18089}" "$@"
