#!/bin/bash
# Whole-process figures, baler against the sz3 tool, on a 3-D field (issue 13's method): the
# shared vorticity field tiled N times along its first axis (default 40: 107 MB float32) and
# CFD_animation, at rel 1e-2, 1e-3, 1e-4. Each figure is the best wall time of R runs (default
# 3; 30 for an input under 10 MB) of one process reading its input file and writing its output
# file (run without a shell; the previous output is removed before each decompress, outside the
# timed part, for both tools); ratio = float32 bytes /
# compressed bytes; every decoded output is checked against the bound with numpy (max |err| /
# bound). SZ3's tool is built from ../shared/peers/SZ3-src.tar.gz into build/_peers/sz3-cli.
# Usage: bench/fields_vs_sz3.sh [BUILD_DIR] [TILE] [RUNS]   (needs python3 with numpy)
set -euo pipefail
BUILD=${1:-build}
TILE=${2:-40}
RUNS=${3:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${BALER_DATA_DIR:-$ROOT/../shared/data}
BALER=$ROOT/$BUILD/tools/baler/baler
PY=${PYTHON:-/usr/bin/python3}
SZ3_DIR=$ROOT/$BUILD/_peers/sz3-cli
if [ ! -x "$SZ3_DIR/SZ3/build/tools/sz3/sz3" ]; then
  mkdir -p "$SZ3_DIR"
  tar xzf "$DATA/../peers/SZ3-src.tar.gz" -C "$SZ3_DIR"
  cmake -S "$SZ3_DIR/SZ3" -B "$SZ3_DIR/SZ3/build" -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$SZ3_DIR/SZ3/build" -j2 --target sz3 > /dev/null
fi
SZ3=$SZ3_DIR/SZ3/build/tools/sz3/sz3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# best wall seconds of N runs (default RUNS) of a command; $3...: files removed before each run
best() { "$PY" "$ROOT/bench/best_wall.py" "${2:-$RUNS}" "$1" "${@:3}"; }

# name, .npy of the field, numpy dtype letter for sz3 (-f / -d), dims fastest first
run_case() {
  local name=$1 npy=$2 runs=$RUNS
  read -r flag nbytes f32bytes dims < <("$PY" -c "
import numpy as np; a = np.load('$npy'); a.tofile('$WORK/in.raw')
print('-f' if a.dtype == np.float32 else '-d', a.nbytes, a.size * 4, ' '.join(str(d) for d in reversed(a.shape)))")
  # A run of a few ms varies by more than its own length: small inputs take the best of 30 or more.
  if [ "$nbytes" -lt 10000000 ] && [ "$runs" -lt 30 ]; then runs=30; fi
  for rel in 1e-2 1e-3 1e-4; do
    for threads in 1 2; do
      local c d
      c=$(best "$BALER compress $npy -o $WORK/x.baler -e rel=$rel -j $threads" "$runs")
      d=$(best "$BALER decompress $WORK/x.baler -o $WORK/x.npy -j $threads" "$runs" "$WORK/x.npy")
      report "$name" "$rel" "baler -j $threads" "$c" "$d" "$(stat -c %s $WORK/x.baler)" "$WORK/x.npy" "$npy" "$nbytes" "$f32bytes"
    done
    local c d
    c=$(best "$SZ3 $flag -i $WORK/in.raw -z $WORK/x.sz -$(echo $dims | wc -w) $dims -M REL $rel" "$runs")
    d=$(best "$SZ3 $flag -z $WORK/x.sz -o $WORK/x.out -$(echo $dims | wc -w) $dims -M REL $rel" "$runs" "$WORK/x.out")
    report "$name" "$rel" "sz3" "$c" "$d" "$(stat -c %s $WORK/x.sz)" "$WORK/x.out" "$npy" "$nbytes" "$f32bytes"
  done
}

report() {
  local name=$1 rel=$2 who=$3 c=$4 d=$5 size=$6 out=$7 npy=$8 nbytes=$9 f32bytes=${10}
  "$PY" -c "
import numpy as np
a = np.load('$npy'); out = '$out'
b = np.load(out) if out.endswith('.npy') else np.fromfile(out, dtype=a.dtype).reshape(a.shape)
rng = float(a.max()) - float(a.min()); err = np.abs(a.astype(np.float64) - b.astype(np.float64)).max()
print(f'| $name | rel=$rel | $who | {$f32bytes / $size:.3f} | {err / ($rel * rng):.4f} | {$nbytes / 1e6 / $c:.1f} | {$nbytes / 1e6 / $d:.1f} | $c | $d |')"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); best of $RUNS runs; $(date -u '+%F %H:%M UTC')"
echo
echo "| data | bound | tool | ratio | max err / bound | compress MB/s | decompress MB/s | compress s | decompress s |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
"$PY" -c "
import numpy as np
v = np.load('$DATA/fields/vorticity.128_128_41.npy'); np.save('$WORK/vort.npy', np.concatenate([v] * $TILE, axis=0))
np.save('$WORK/cfd.npy', np.load('$DATA/cfd/CFD_animation.npz')['data'])"
run_case "vorticity x$TILE" "$WORK/vort.npy"
run_case "CFD_animation" "$WORK/cfd.npy"
