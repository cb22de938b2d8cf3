#!/usr/bin/env bash
# Fuzzes every parser of outside data: each target of fuzz/ runs for FUZZ_SECONDS (default 60),
# FUZZ_JOBS at a time (default: the number of cores, at most 2), starting from the seeds in
# fuzz/seeds/<target>/. Installs cargo-fuzz if it is missing. Works on the stable toolchain: no
# sanitizer, so no nightly flag is needed. Prints each target's executions; fails when any target
# finds a crash, a panic or a hang, and the input is left in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(($(nproc) < 2 ? $(nproc) : 2))}
cargo_fuzz_version=0.13.1

if ! cargo fuzz --version 2>/dev/null | grep -qF "$cargo_fuzz_version"; then
  echo "==> installing cargo-fuzz $cargo_fuzz_version"
  cargo install cargo-fuzz --locked --version "$cargo_fuzz_version"
fi

# --dev: opt-level 1 (see Cargo.toml) builds much faster than cargo-fuzz's release mode.
flags=(--sanitizer none --dev)
echo "==> building the fuzz targets"
started=$SECONDS
cargo fuzz build "${flags[@]}"
echo "built in $((SECONDS - started)) s"

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

fuzz_one() {
  local target=$1
  mkdir -p "corpus/$target"
  # A single input taking 10 s is a hang; libFuzzer reports it like a crash.
  if cargo fuzz run "${flags[@]}" "$target" "corpus/$target" "seeds/$target" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$logs/$target.log" 2>&1; then
    echo ok >"$logs/$target.status"
  else
    echo failed >"$logs/$target.status"
  fi
}

targets=$(cargo fuzz list)
echo "==> fuzzing $(echo "$targets" | wc -w) targets for $seconds s each, $jobs at a time"
for target in $targets; do
  while (($(jobs -rp | wc -l) >= jobs)); do
    wait -n || true
  done
  fuzz_one "$target" &
done
wait

failed=0
for target in $targets; do
  log="$logs/$target.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
  corpus=$(find "corpus/$target" -type f | wc -l)
  if [[ $(cat "$logs/$target.status") == ok ]]; then
    printf 'fuzz %-13s %10s executions in %s s, %s inputs in the corpus, no crash\n' \
      "$target" "${runs:-?}" "${secs:-?}" "$corpus"
  else
    failed=1
    printf 'fuzz %-13s FAILED after %s executions:\n' "$target" "${runs:-?}"
    grep -E -m1 -A12 'panicked|ERROR: libFuzzer|^error' "$log" || tail -20 "$log"
    grep -E 'SUMMARY|Test unit written' "$log" || true
  fi
done
exit "$failed"
