#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (make fuzz) for SECONDS each, JOBS at a time, and
# writes a results table (executions, corpus, peak RSS, outcome per target) to RESULTS.
#   usage: scripts/fuzz.sh BUILD SECONDS RESULTS [JOBS]
# Seeds: fuzz/corpus/<target>/ and fuzz/must_fail/<target>/ (committed), tests/golden/ (the
# container targets), and, from the shared data, the hostile HDF5 files (hdf5) and the ROOT
# files of at most 72 KB (root). New inputs go to
# BUILD/fuzz-corpus/<target>/, crashes, leaks and timeouts to BUILD/fuzz-artifacts/.
# FUZZ_TARGETS="npy hdf5" runs only those; FUZZ_SEED=N fixes libFuzzer's seed (make fuzz-smoke).
# Exit status: the number of targets that failed (0 = no crash, leak, timeout or OOM).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:?usage: scripts/fuzz.sh BUILD SECONDS RESULTS [JOBS]}
SECONDS_PER_TARGET=${2:?seconds per target}
RESULTS=${3:?results file}
JOBS=${4:-$(nproc)}
DATA=${BALER_DATA_DIR:-../shared/data}
read -r -a TARGETS <<< "${FUZZ_TARGETS:-container container_resealed model npy npz csv hdf5 root}"
SEED_ARG=${FUZZ_SEED:+-seed=$FUZZ_SEED}
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
[ -z "$(git status --porcelain -- src include fuzz 2>/dev/null)" ] || COMMIT="$COMMIT + uncommitted changes"

# Stack traces for UBSan reports; leaks inside third-party libraries that baler cannot free are
# listed (with the reason) in fuzz/lsan.supp.
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$(pwd)/fuzz/lsan.supp:print_suppressions=0"
# allocator_may_return_null: an absurd malloc fails as in production (fuzz/README.md).
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"

work="$BUILD/fuzz-work"
rm -rf "$work" "$BUILD/fuzz-artifacts"
mkdir -p "$work" "$BUILD/fuzz-artifacts"

extra_seeds() {  # read-only seed folders from the shared data, made in the build folder
  local t=$1 dir="$work/shared-$1"
  case $t in
    container|container_resealed) echo tests/golden ;;
    hdf5) [ -d "$DATA/hostile" ] && echo "$DATA/hostile" ;;
    root)
      mkdir -p "$dir"
      # The shared files, and the real-world TTree files (skhep/uproot-*: objects, directories,
      # std::vector and object branches, old cycles) that reach the whole-file reader and the
      # in-place writer. (Some skhep RNTuple test files decode to 10^8 values from 2 KB: seeds
      # that would only time out.)
      for f in "$DATA"/root/*.root "$DATA"/root/skhep/uproot-*.root; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 73728 ] && ln -sf "$(realpath "$f")" "$dir/"
      done
      echo "$dir" ;;
  esac
}

run_one() {
  local t=$1 bin="$BUILD/fuzz/fuzz_$1" corpus="$BUILD/fuzz-corpus/$1" log="$work/$1.log"
  mkdir -p "$corpus"
  local seeds=()
  for d in "fuzz/corpus/$t" "fuzz/must_fail/$t" $(extra_seeds "$t"); do [ -d "$d" ] && seeds+=("$d"); done
  local start=$(date +%s)
  # -timeout: an input taking 10 s is a hang; -rss_limit_mb: 2 GB is an OOM (ASan's shadow
  # included); -max_len: 64 KB, and 72 KB for root, which lets its seeds in whole (a Geant4
  # TTree v5 file among them).
  local max_len=65536
  [ "$t" = root ] && max_len=73728
  timeout -k 10 $((SECONDS_PER_TARGET + 300)) "$bin" -max_total_time="$SECONDS_PER_TARGET" \
    -timeout=10 -rss_limit_mb=2048 -max_len=$max_len -print_final_stats=1 $SEED_ARG \
    -artifact_prefix="$BUILD/fuzz-artifacts/$t-" "$corpus" "${seeds[@]}" > "$log" 2>&1
  echo $? > "$work/$t.rc"
  echo $(( $(date +%s) - start )) > "$work/$t.secs"
}
export -f run_one extra_seeds
export BUILD SECONDS_PER_TARGET work DATA SEED_ARG

printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}'

stat_of() { grep -m1 "^stat::$2:" "$work/$1.log" | awk '{print $2}'; }
failed=0
{
  echo "# Fuzzing results"
  echo
  echo "Written by \`scripts/fuzz.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, $JOBS targets at a time," \
       "$SECONDS_PER_TARGET s per target, clang $(clang --version | head -1 | grep -o '[0-9]*\.[0-9.]*' | head -1)," \
       "ASan + UBSan + libFuzzer; commit $COMMIT)."
  echo
  echo "| target | seconds | executions | exec/s | corpus | peak RSS MB | outcome |"
  echo "|---|---|---|---|---|---|---|"
  for t in "${TARGETS[@]}"; do
    log="$work/$t.log"
    rc=$(cat "$work/$t.rc" 2>/dev/null || echo missing)
    execs=$(stat_of "$t" number_of_executed_units)
    rate=$(stat_of "$t" average_exec_per_sec)
    rss=$(stat_of "$t" peak_rss_mb)
    corpus=$(find "$BUILD/fuzz-corpus/$t" -type f | wc -l)
    outcome=ok
    if [ "$rc" != 0 ]; then
      if grep -q "ERROR: libFuzzer: timeout" "$log"; then outcome="TIMEOUT"
      elif grep -q "ERROR: LeakSanitizer" "$log"; then outcome="LEAK"
      elif grep -q "out-of-memory" "$log"; then outcome="OOM"
      elif grep -q "ERROR: libFuzzer: deadly signal\|ERROR: AddressSanitizer\|runtime error" "$log"; then outcome="CRASH"
      else outcome="FAILED (exit $rc)"; fi
      art=$(ls "$BUILD/fuzz-artifacts/$t-"* 2>/dev/null | head -1)
      [ -n "$art" ] && outcome="$outcome: $art"
      failed=$((failed + 1))
    fi
    echo "| $t | $(cat "$work/$t.secs" 2>/dev/null) | ${execs:-?} | ${rate:-?} | $corpus | ${rss:-?} | $outcome |"
  done
} > "$RESULTS"
cat "$RESULTS"
for t in "${TARGETS[@]}"; do
  if [ "$(cat "$work/$t.rc" 2>/dev/null)" != 0 ]; then
    echo "--- $t: last lines of $work/$t.log"
    tail -40 "$work/$t.log"
  fi
done
exit $failed
