#!/usr/bin/env bash
# Side-by-side comparison of covlens with its peers on the shared benchmark data: times, max RSS, ratios, totals cross-checks.
#
# Jobs (see ../shared/bench/README.md for the data and the peers):
#   merge-lcov       merge the 32 LCOV shards: covlens merge vs lcov-merge (lcov-util 0.2.2) vs grcov 0.10.7
#                    (vs `lcov -a`, 159 s, with --slow); covlens' merged totals must equal lcov-util's
#   summary          totals of lcov/large.info (197 MB): covlens summary vs the bare scan bound (bench/lcov-scan)
#                    (vs `lcov --summary`, 35 s, 1.86 GB, with --slow); max RSS side by side
#   summary-1g       (not in the default list) the same on a 1 GB tracefile (x5/lcov/large.info: 400,000
#                    files, generated with --scale 5 when missing, a minute on a quiet machine): covlens vs the bare
#                    scan only (lcov would take minutes and gigabytes)
#   merge-cobertura  merge the 8 Cobertura shards: covlens merge --format cobertura vs gcovr 8.8 (86 s, 3.7 GB;
#                    --skip-gcovr leaves it out)
#   merge-istanbul   merge the 8 Istanbul coverage-final.json shards: covlens merge --format lcov vs
#                    istanbul-lib-coverage's createCoverageMap().merge (../shared/bench/istanbul_merge.js under
#                    Node; NODE_PATH must hold istanbul-lib-coverage, or ISTANBUL_NODE_PATH, or --install-peers
#                    puts it in $BENCH_WORK/node); covlens' merged lines and branches must equal the library's
#   browser          (not in the default list) the page vs the CLI on the 32 LCOV shards: drop to merged summary in
#                    headless Chromium vs `covlens summary -q --json`, 3 runs each (BROWSER_RUNS), totals equal to the
#                    CLI's and lcov's (bench/browser-merge.mjs; needs COVLENS_DIST = a `trunk build --release` dist
#                    folder, default <repo>/dist; BROWSER_SIZES=32,8 adds an 8-shard row)
#
# Usage: bench/run.sh [--install-peers] [--slow] [--skip-gcovr] [--runs N] [--only JOB[,JOB]] [--out FILE]
# Environment: COVBENCH (data folder, default /tmp/covbench; generated when missing), SHARED (default
# <repo>/../shared), CARGO_TARGET_DIR (default <repo>/target), BENCH_WORK (outputs, default /tmp/covlens-bench).
# The table goes to stdout and to --out (default $BENCH_WORK/latest.md). Exit status 1 when a
# cross-check fails (covlens' totals differ from the reference's), 2 on a usage error.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED:-$REPO/../shared}
COVBENCH=${COVBENCH:-/tmp/covbench}
WORK=${BENCH_WORK:-/tmp/covlens-bench}
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
RUNS=5
SLOW=0
SKIP_GCOVR=0
INSTALL=0
ONLY=merge-lcov,summary,merge-cobertura,merge-istanbul
OUT=

usage() { sed -n '2,27p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
  case "$1" in
    --install-peers) INSTALL=1 ;;
    --slow) SLOW=1 ;;
    --skip-gcovr) SKIP_GCOVR=1 ;;
    --runs) RUNS=${2:?--runs needs a number}; shift ;;
    --only) ONLY=${2:?--only needs a job list}; shift ;;
    --out) OUT=${2:?--out needs a file}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
OUT=${OUT:-$WORK/latest.md}
want() { [[ ",$ONLY," == *",$1,"* ]]; }
log() { echo "[bench] $*" >&2; }

mkdir -p "$WORK"
export PATH="$HOME/.cargo/bin:$PATH"

# ---------------------------------------------------------------- data
missing=()
if want merge-lcov || want browser; then
  for i in $(seq -w 0 31); do [ -f "$COVBENCH/lcov-shards/shard_$i.info" ] || { missing+=(shards); break; }; done
fi
if want summary && [ ! -f "$COVBENCH/lcov/large.info" ]; then missing+=(large); fi
if want summary-1g && [ ! -f "$COVBENCH/x5/lcov/large.info" ]; then
  log "generating the 1 GB tracefile into $COVBENCH/x5"
  python3 "$SHARED/bench/gen_datasets.py" --out "$COVBENCH/x5" --only large --scale 5 >&2
fi
if want merge-cobertura; then
  for i in $(seq -w 0 7); do [ -f "$COVBENCH/cobertura-shards/shard_0$i.xml" ] || { missing+=(cobertura-shards); break; }; done
fi
if want merge-istanbul; then
  for i in $(seq -w 0 7); do [ -f "$COVBENCH/istanbul-shards/shard_0$i.json" ] || { missing+=(istanbul-shards); break; }; done
fi
if [ ${#missing[@]} -gt 0 ]; then
  only=$(IFS=,; echo "${missing[*]}")
  log "generating data ($only) into $COVBENCH"
  python3 "$SHARED/bench/gen_datasets.py" --out "$COVBENCH" --only "$only" >&2
fi

# ---------------------------------------------------------------- tools
have() { command -v "$1" > /dev/null 2>&1; }
if [ "$INSTALL" = 1 ]; then
  have hyperfine || { apt-get update -qq && apt-get install -y -qq hyperfine; }
  have lcov-merge || cargo install lcov-util --version 0.2.2
  have grcov || cargo install grcov --version 0.10.7 --locked
  if [ "$SKIP_GCOVR" = 0 ] && want merge-cobertura; then have gcovr || pip install -q gcovr==8.8; fi
  if [ "$SLOW" = 1 ]; then have lcov || { apt-get update -qq && apt-get install -y -qq lcov; }; fi
  if want merge-istanbul && [ -z "${ISTANBUL_NODE_PATH:-}" ] && ! NODE_PATH=${NODE_PATH:-} node -e 'require("istanbul-lib-coverage")' 2> /dev/null; then
    mkdir -p "$WORK/node" && npm install -s --prefix "$WORK/node" istanbul-lib-coverage@3 >&2
  fi
fi
# where istanbul_merge.js finds istanbul-lib-coverage
ISTANBUL_NODE_PATH=${ISTANBUL_NODE_PATH:-${NODE_PATH:-}}
[ -d "$WORK/node/node_modules/istanbul-lib-coverage" ] && ISTANBUL_NODE_PATH=$WORK/node/node_modules${ISTANBUL_NODE_PATH:+:$ISTANBUL_NODE_PATH}

log "building covlens (release) and lcov-scan into $TARGET"
(cd "$REPO" && CARGO_TARGET_DIR=$TARGET cargo build --release -q -p covlens)
if want summary || want summary-1g; then
  CARGO_TARGET_DIR=$TARGET cargo build --release -q --manifest-path "$REPO/bench/lcov-scan/Cargo.toml"
fi
COVLENS=$TARGET/release/covlens
SCAN=$TARGET/release/lcov-scan

# ---------------------------------------------------------------- measuring
RESULTS=$WORK/results.tsv # job, tool, median wall seconds, max RSS KiB, runs, CPU seconds
: > "$RESULTS"
NOTES=()
FAILED=0

# measure JOB TOOL RUNS COMMAND: one run under /usr/bin/time (max RSS; the warm-up), then RUNS runs by
# hyperfine: median wall time and mean CPU time (user + sys; steadier than wall time on a shared
# machine). With RUNS 1, or without hyperfine, the figures of that one run.
measure() {
  local job=$1 tool=$2 runs=$3 cmd=$4 median cpu rss timing
  log "$job: $tool ($runs run(s)): ${cmd:0:150}$([ ${#cmd} -gt 150 ] && echo ...)"
  timing=$WORK/time.txt
  if ! /usr/bin/time -f '%e %M %U %S' -o "$timing" bash -c "$cmd"; then
    NOTES+=("$job: $tool FAILED (exit status not 0): $cmd")
    FAILED=1
    return 0
  fi
  read -r median rss user sys < <(tail -n 1 "$timing")
  cpu=$(python3 -c "print('%.3f' % ($user + $sys))")
  if [ "$runs" -gt 1 ] && have hyperfine; then
    # The run above was the warm-up.
    hyperfine --warmup 0 --runs "$runs" --style none --export-json "$WORK/hf.json" "$cmd" >&2
    read -r median cpu < <(python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]; print("%.3f %.3f" % (r["median"], r["user"] + r["system"]))' "$WORK/hf.json")
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$job" "$tool" "$median" "$rss" "$runs" "$cpu" >> "$RESULTS"
}

# totals FILE...: "lines H/F, functions H/F, branches H/F" of covlens' summary of the files.
totals() {
  "$COVLENS" summary --json -q "$@" | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(", ".join("%s %d/%d" % (k, j[k]["hit"], j[k]["found"]) for k in ("lines", "functions", "branches")))'
}

# check WHAT GOT EXPECTED: a cross-check that fails the run.
check() {
  if [ "$2" = "$3" ]; then
    NOTES+=("$1: agree ($2)")
  else
    NOTES+=("$1: DIFFER: covlens $2, reference $3")
    FAILED=1
  fi
}

if want merge-lcov; then
  shards=$(printf "$COVBENCH/lcov-shards/shard_%02d.info " $(seq 0 31))
  measure merge-lcov covlens "$RUNS" "$COVLENS merge -q $shards -o $WORK/covlens-merged.info"
  if have lcov-merge; then
    measure merge-lcov "lcov-merge (lcov-util 0.2.2)" "$RUNS" "lcov-merge $shards > $WORK/lcov-util-merged.info"
    check "merge-lcov totals, covlens vs lcov-util" \
      "$(totals "$WORK/covlens-merged.info")" "$(totals "$WORK/lcov-util-merged.info")"
  else
    NOTES+=("merge-lcov: lcov-merge not installed (--install-peers), skipped")
  fi
  if have grcov; then
    rm -rf "$WORK/grcov-in" && mkdir -p "$WORK/grcov-in" && ln -s $shards "$WORK/grcov-in/"
    measure merge-lcov "grcov 0.10.7" "$RUNS" "grcov $WORK/grcov-in -t lcov --branch -o $WORK/grcov-merged.info"
    NOTES+=("merge-lcov: grcov's totals (lossy by design: merges overloads, drops branch ids, FNDA 0/1): $(totals "$WORK/grcov-merged.info")")
  else
    NOTES+=("merge-lcov: grcov not installed (--install-peers), skipped")
  fi
  if [ "$SLOW" = 1 ] && have lcov; then
    args=$(printf -- "-a %s " $shards)
    measure merge-lcov "lcov 1.16 -a" 1 "lcov -q --rc lcov_branch_coverage=1 $args -o $WORK/lcov-merged.info"
    check "merge-lcov totals, covlens vs lcov -a" \
      "$(totals "$WORK/covlens-merged.info")" "$(totals "$WORK/lcov-merged.info")"
  else
    NOTES+=("merge-lcov: lcov -a (159 s) left out: --slow runs it")
  fi
fi

if want summary; then
  large=$COVBENCH/lcov/large.info
  measure summary "covlens summary" "$RUNS" "$COVLENS summary -q $large > /dev/null"
  measure summary "bare scan (bench/lcov-scan)" "$RUNS" "$SCAN $large > /dev/null"
  # large.info names each file once and each line once per file: the scan's record counts are the totals.
  scan=$("$SCAN" "$large" | sed -E 's/DA ([0-9]+) \(hit ([0-9]+)\), BRDA ([0-9]+) \(hit ([0-9]+)\), FNDA ([0-9]+) \(hit ([0-9]+)\).*/lines \2\/\1, functions \6\/\5, branches \4\/\3/')
  check "summary totals, covlens vs record counts of the scan" "$(totals "$large")" "$scan"
  if [ "$SLOW" = 1 ] && have lcov; then
    measure summary "lcov 1.16 --summary" 1 "lcov --rc lcov_branch_coverage=1 --summary $large > /dev/null 2>&1"
  else
    NOTES+=("summary: lcov --summary (35 s, 1.86 GB) left out: --slow runs it")
  fi
fi

if want summary-1g; then
  huge=$COVBENCH/x5/lcov/large.info
  measure summary-1g "covlens summary" "$RUNS" "$COVLENS summary -q $huge > /dev/null"
  measure summary-1g "bare scan (bench/lcov-scan)" "$RUNS" "$SCAN $huge > /dev/null"
  scan=$("$SCAN" "$huge" | sed -E 's/DA ([0-9]+) \(hit ([0-9]+)\), BRDA ([0-9]+) \(hit ([0-9]+)\), FNDA ([0-9]+) \(hit ([0-9]+)\).*/lines \2\/\1, functions \6\/\5, branches \4\/\3/')
  check "summary-1g totals, covlens vs record counts of the scan" "$(totals "$huge")" "$scan"
  NOTES+=("summary-1g: lcov --summary left out (about 5 x the 197 MB file's 35 s and 1.86 GB)")
fi

if want merge-cobertura; then
  xml=$(printf "$COVBENCH/cobertura-shards/shard_%02d.xml " $(seq 0 7))
  measure merge-cobertura covlens "$RUNS" "$COVLENS merge -q --format cobertura $xml -o $WORK/covlens-merged.xml"
  if [ "$SKIP_GCOVR" = 0 ] && have gcovr; then
    root=$(head -c 4096 "$COVBENCH/cobertura-shards/shard_00.xml" | sed -n 's:.*<source>\([^<]*\)</source>.*:\1:p' | head -1)
    args=$(printf -- "--cobertura-add-tracefile %s " $xml)
    measure merge-cobertura "gcovr 8.8" 1 "gcovr -r $root $args --cobertura $WORK/gcovr-merged.xml"
    check "merge-cobertura line totals, covlens vs gcovr" \
      "$(totals "$WORK/covlens-merged.xml" | cut -d, -f1)" "$(totals "$WORK/gcovr-merged.xml" | cut -d, -f1)"
  else
    NOTES+=("merge-cobertura: gcovr left out (--skip-gcovr or not installed)")
  fi
fi

if want merge-istanbul; then
  json=$(printf "$COVBENCH/istanbul-shards/shard_%02d.json " $(seq 0 7))
  measure merge-istanbul covlens "$RUNS" "$COVLENS merge -q --format lcov $json -o $WORK/covlens-merged-istanbul.info"
  if have node && NODE_PATH=$ISTANBUL_NODE_PATH node -e 'require("istanbul-lib-coverage")' 2> /dev/null; then
    measure merge-istanbul "istanbul-lib-coverage $(NODE_PATH=$ISTANBUL_NODE_PATH node -p 'require("istanbul-lib-coverage/package.json").version') (Node $(node -v))" "$RUNS" \
      "NODE_PATH=$ISTANBUL_NODE_PATH node $SHARED/bench/istanbul_merge.js $WORK/istanbul-merged.json $json > $WORK/istanbul-merge.txt"
    # istanbul_merge.js prints `files=N lines=C/T branches=C/T` (getCoverageSummary of the merged map)
    peer=$(sed -E 's/.*lines=([0-9]+)\/([0-9]+) branches=([0-9]+)\/([0-9]+).*/lines \1\/\2, branches \3\/\4/' "$WORK/istanbul-merge.txt")
    check "merge-istanbul line and branch totals, covlens vs istanbul-lib-coverage" \
      "$(totals "$WORK/covlens-merged-istanbul.info" | cut -d, -f1,3)" "$peer"
    check "merge-istanbul: covlens' merge of the JSON shards vs covlens' summary of the library's merged JSON" \
      "$(totals "$WORK/covlens-merged-istanbul.info")" "$(totals "$WORK/istanbul-merged.json")"
  else
    NOTES+=("merge-istanbul: node or istanbul-lib-coverage missing (NODE_PATH, ISTANBUL_NODE_PATH or --install-peers), skipped")
  fi
fi

if want browser; then
  log "browser: bench/browser-merge.mjs (COVLENS_DIST=${COVLENS_DIST:-$REPO/dist})"
  rm -f "$WORK/browser.md"
  if ! node "$REPO/bench/browser-merge.mjs" --covlens "$COVLENS" --shards "$COVBENCH/lcov-shards" \
    --runs "${BROWSER_RUNS:-3}" --sizes "${BROWSER_SIZES:-32}" --out "$WORK/browser.md" >&2; then
    NOTES+=("browser: FAILED or totals differ (see the browser table)")
    FAILED=1
  fi
fi

# ---------------------------------------------------------------- table
python3 - "$RESULTS" "$OUT" "$RUNS" "${NOTES[@]+"${NOTES[@]}"}" <<'EOF'
# The table: per job, each tool's median and max RSS, and how many times slower than covlens it is.
import sys, platform, datetime
results, out, runs, notes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
rows = [l.rstrip("\n").split("\t") for l in open(results) if l.strip()]
import os
lines = [f"# covlens vs peers ({datetime.date.today()}, {platform.node()}, {os.cpu_count()} cores, warm page cache; "
         f"median of {runs} runs after a warm-up, single run for the slow peers)", "",
         "Ratios are peer / covlens: above 1, covlens is faster (or, for RSS, smaller). Wall time counts "
         "covlens' use of every core (it parses inputs on worker threads); CPU time does not and is steadier "
         "on a busy machine. Max RSS is that of the warm-up run.", ""]
for job in dict.fromkeys(r[0] for r in rows):
    jr = [r for r in rows if r[0] == job]
    base = next((r for r in jr if r[1].startswith("covlens")), None)
    lines += [f"## {job}", "", "| tool | median wall (s) | CPU user+sys (s) | max RSS (MiB) | runs "
              "| wall vs covlens | CPU vs covlens | RSS vs covlens |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for _, tool, med, rss, n, cpu in jr:
        if tool.startswith("covlens"):
            rw = rc = rr = "1"
        elif base:
            rw = f"{float(med) / float(base[2]):.2f}x"
            rc = f"{float(cpu) / float(base[5]):.2f}x"
            rr = f"{int(rss) / int(base[3]):.2f}x"
        else:
            rw = rc = rr = "n/a"
        lines.append(f"| {tool} | {float(med):.3f} | {float(cpu):.3f} | {int(rss) / 1024:.0f} | {n} | {rw} | {rc} | {rr} |")
    lines.append("")
    # The memory figure of the summary jobs, side by side: covlens' peak against lcov's, and the
    # time against the bare scan (the target: a small fraction of lcov's memory, at most 3x the scan).
    if job.startswith("summary") and base:
        lcov = next((r for r in jr if r[1].startswith("lcov")), None)
        scan = next((r for r in jr if r[1].startswith("bare scan")), None)
        mem = f"covlens summary peaks at {int(base[3]) / 1024:.0f} MiB"
        if lcov:
            mem += f", lcov --summary at {int(lcov[3]) / 1024:.0f} MiB: {100 * int(base[3]) / int(lcov[3]):.1f}% of lcov's"
        elif job == "summary":
            mem += " (lcov --summary: not run; --slow runs it)"
        if scan:
            mem += f"; wall time {float(base[2]) / float(scan[2]):.2f}x the bare scan's"
        lines += [f"Memory: {mem}.", ""]
if notes:
    lines += ["## checks and notes", ""] + [f"- {n}" for n in notes] + [""]
text = "\n".join(lines)
print(text)
open(out, "w").write(text)
EOF
if want browser && [ -f "$WORK/browser.md" ]; then tee -a "$OUT" < "$WORK/browser.md"; fi
log "table written to $OUT"
exit "$FAILED"
