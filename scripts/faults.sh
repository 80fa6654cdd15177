#!/usr/bin/env bash
# Fault injection (issue 8): five scenarios against the real service executables (release build),
# PostgreSQL, the Tansu broker and the standalone fake SMS gateway (scripts/fake_sms_gateway.py).
# Each scenario asserts exactly and fails loudly; the last line is `N passed, N failed`.
#
#   bash scripts/faults.sh                  # 20,000 reports per scenario (the long run)
#   bash scripts/faults.sh --reports 2000 --scenarios 1,5
#
# Not part of CI; scripts/test.sh runs the small kill scenario (--quick) after the test suite.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash "$ROOT/scripts/bootstrap.sh"
# shellcheck source=lib/load_tools.sh
source "$ROOT/scripts/lib/load_tools.sh"
install_load_python

export STACK_DIR="$ROOT/.tools/stack-faults"
export PG_PORT="${HOTLINE_FAULTS_DB_PORT:-25642}"
export BROKER_PORT="${HOTLINE_FAULTS_BROKER_PORT:-29642}"
# shellcheck source=lib/stack.sh
source "$ROOT/scripts/lib/stack.sh"
trap 'stop_postgres' EXIT INT TERM
start_postgres

CONFIGURATION="${HOTLINE_BUILD_CONFIGURATION:-release}"
stack_log "building ($CONFIGURATION)"
swift build -c "$CONFIGURATION" >/dev/null
BIN="$(swift build -c "$CONFIGURATION" --show-bin-path)"

cd "$ROOT/scripts"
"$ROOT/.tools/venv/bin/python" -m hotline_load.faults --root "$ROOT" --bin "$BIN" --stack-dir "$STACK_DIR" \
  --pg-port "$PG_PORT" --broker-port "$BROKER_PORT" \
  --http-base "${HOTLINE_FAULTS_HTTP_BASE:-18080}" --gateway-port "${HOTLINE_FAULTS_GATEWAY_PORT:-18089}" "$@"
