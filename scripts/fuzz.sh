#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of intake's text parsers: SMS command classification,
# form decoding and phone normalisation. NOT part of the test command: the test command replays
# the seed corpus (Tests/IntakeTests/FuzzCorpusReplayTests.swift) instead.
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   scripts/fuzz.sh 600 FormDecoder # one target, 10 minutes
#
# Inputs libFuzzer finds are kept in .tools/fuzz/corpus/<target>; a crash or property violation
# is saved in .tools/fuzz/artifacts/ and the script exits 1. Fix it, then copy the input into
# Fuzzing/Corpus/<kind>/ so the test command replays it from then on.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
[ "${#TARGETS[@]}" -gt 0 ] || TARGETS=(SMSCommand FormDecoder PhoneNumber)
WORK="$ROOT/.tools/fuzz"

corpus_of() {
  case "$1" in
    SMSCommand) echo sms ;;
    FormDecoder) echo form ;;
    PhoneNumber) echo phone ;;
    *) echo "unknown fuzz target $1 (SMSCommand, FormDecoder, PhoneNumber)" >&2; return 1 ;;
  esac
}

cd "$ROOT/Fuzzing"
# SwiftPM's own --sanitize, not -Xswiftc -sanitize=fuzzer: with the latter SwiftPM still points
# the executables' entry at <Target>_main, which a libFuzzer target does not define (link error).
BUILD=(swift build -c release --sanitize fuzzer --sanitize address -Xswiftc -parse-as-library)
echo "[fuzz] building the fuzz targets: ${BUILD[*]}"
"${BUILD[@]}"
BIN="$("${BUILD[@]}" --show-bin-path)"

status=0
for target in "${TARGETS[@]}"; do
  kind="$(corpus_of "$target")"
  mkdir -p "$WORK/corpus/$target" "$WORK/artifacts/$target"
  log="$WORK/$target.log"
  echo "[fuzz] $target for ${SECONDS_PER_TARGET}s (seeds: Fuzzing/Corpus/$kind, log: $log)"
  if ! "$BIN/Fuzz$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$target/" \
      "$WORK/corpus/$target" "$ROOT/Fuzzing/Corpus/$kind" >"$log" 2>&1; then
    status=1
    echo "[fuzz] $target FAILED; the input is in $WORK/artifacts/$target/:" >&2
    grep -E "ERROR|Fatal error|violation|Test unit written" "$log" | head -n 10 >&2 || tail -n 20 "$log" >&2
  fi
  last="$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)"
  runs="$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
  speed="$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')"
  echo "[fuzz] $target: $runs runs, $speed exec/s; last status: $last"
done
exit "$status"
