#!/usr/bin/env bash
# Builds the fuzz targets (fuzz/, libFuzzer) on the stable toolchain, with no cargo-fuzz and no nightly; optionally runs them briefly.
#
# The flags are those `cargo fuzz build -O --sanitizer none` passes (SanitizerCoverage, all stable
# codegen options), so the binaries are real coverage-guided fuzzers. `--target <host>` keeps the flags
# off build scripts, which cannot link the coverage callbacks. With cargo-fuzz and ASan instead:
#   RUSTC_BOOTSTRAP=1 cargo fuzz build -O --fuzz-dir fuzz
# Usage: scripts/fuzz-build.sh [--run SECONDS]   (--run: each target over a temporary corpus seeded
# from ../shared/corpus/<target>; crashes go to $FUZZ_ARTIFACTS, default /tmp/covlens-fuzz/artifacts;
# the status is 1 when a target crashed)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
host=$(rustc -vV | sed -n 's/^host: //p')
target_dir="${CARGO_TARGET_DIR:-$root/target}/fuzz"
export RUSTFLAGS="${RUSTFLAGS:-} --cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
cargo build --release --quiet --manifest-path fuzz/Cargo.toml --target "$host" --target-dir "$target_dir"
bin="$target_dir/$host/release"
targets=$(cd fuzz/fuzz_targets && ls -- *.rs | sed 's/\.rs$//')
echo "fuzz targets built in $bin:" $targets >&2

if [ "${1:-}" = "--run" ]; then
  seconds=${2:?--run needs seconds per target}
  work=${FUZZ_WORK:-/tmp/covlens-fuzz}
  artifacts=${FUZZ_ARTIFACTS:-$work/artifacts}
  for t in $targets; do
    mkdir -p "$work/corpus/$t" "$artifacts/$t"
    # Seeds: the shared corpus folder of the target's format (gcov_json: gcov-json, coveragepy: coveragepy-json).
    for d in "$t" "${t//_/-}" "${t//_/-}-json"; do
      if [ -d "$root/../shared/corpus/$d" ]; then cp -n "$root/../shared/corpus/$d"/* "$work/corpus/$t/" 2> /dev/null || true; fi
    done
    echo "fuzzing $t for ${seconds}s" >&2
    if ! "$bin/$t" "$work/corpus/$t" -max_total_time="$seconds" -max_len=16384 \
      -artifact_prefix="$artifacts/$t/" -print_final_stats=1 > "$work/$t.log" 2>&1; then
      grep -A4 'panicked' "$work/$t.log" >&2 || tail -n 20 "$work/$t.log" >&2
      echo "fuzz target $t crashed: input in $artifacts/$t/" >&2
      status=1
    fi
    grep -E 'number_of_executed_units|new_units_added' "$work/$t.log" >&2
  done
  exit "${status:-0}"
fi
