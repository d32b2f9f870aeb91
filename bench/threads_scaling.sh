#!/bin/bash
# Thread scaling of whole processes (issue 13's bar: 2 threads >= 1.8x one thread for compress
# and decompress of a >= 200 MB table and field). Inputs, built in a scratch folder: the shared
# vorticity field tiled 80x along its first axis (3280 x 128 x 128 float32, 215 MB) and the LHCb
# table tiled 240x (1037280 x 26 float64, 216 MB), both .npy. Each figure is the best wall time
# of R runs (default 3) of `baler compress` / `baler decompress` at rel 1e-3, -j 1 then -j 2.
# The containers are checked to be byte-identical at -j 1 and -j 2.
#
# "2 x -j 1" is the machine's own ceiling: two independent -j 1 processes started together,
# seconds for both (so its speed-up = 2 x t(-j 1) / t(both)): what two cores give when nothing
# is shared but the memory bus, the page cache and the disk.
# Usage: bench/threads_scaling.sh [BUILD_DIR] [RUNS]   (needs python3 with numpy)
set -euo pipefail
BUILD=${1:-build}
RUNS=${2:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${BALER_DATA_DIR:-$ROOT/../shared/data}
BALER=$ROOT/$BUILD/tools/baler/baler
PY=${PYTHON:-/usr/bin/python3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

best() { "$PY" "$ROOT/bench/best_wall.py" "${2:-$RUNS}" "$1" "${@:3}"; }

"$PY" -c "
import numpy as np
v = np.load('$DATA/fields/vorticity.128_128_41.npy'); np.save('$WORK/field.npy', np.concatenate([v] * 80, axis=0))
t = np.load('$DATA/lhcb/LHCb_B2HHH.npz')['data']; np.save('$WORK/table.npy', np.concatenate([t] * 240, axis=0))"

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); best of $RUNS runs; $(date -u '+%F %H:%M UTC')"
echo
echo "| data | MB | step | -j 1 s | -j 2 s | speed-up | 2 x -j 1 s | ceiling |"
echo "|---|---:|---|---:|---:|---:|---:|---:|"
for name in field table; do
  in=$WORK/$name.npy
  mb=$("$PY" -c "import os; print(f'{os.path.getsize(\"$in\") / 1e6:.0f}')")
  c1=$(best "$BALER compress $in -o $WORK/a.baler -e rel=1e-3 -j 1")
  c2=$(best "$BALER compress $in -o $WORK/b.baler -e rel=1e-3 -j 2")
  cmp -s "$WORK/a.baler" "$WORK/b.baler" || { echo "$name: -j 1 and -j 2 containers differ" >&2; exit 1; }
  cc=$(best "$BALER compress $in -o $WORK/c.baler -e rel=1e-3 -j 1 & $BALER compress $in -o $WORK/d.baler -e rel=1e-3 -j 1; wait")
  d1=$(best "$BALER decompress $WORK/a.baler -o $WORK/o.npy -j 1" "$RUNS" "$WORK/o.npy")
  d2=$(best "$BALER decompress $WORK/a.baler -o $WORK/o.npy -j 2" "$RUNS" "$WORK/o.npy")
  dd=$(best "$BALER decompress $WORK/a.baler -o $WORK/o.npy -j 1 & $BALER decompress $WORK/a.baler -o $WORK/p.npy -j 1; wait" \
    "$RUNS" "$WORK/o.npy" "$WORK/p.npy")
  "$PY" -c "
for step, a, b, c in (('compress', $c1, $c2, $cc), ('decompress', $d1, $d2, $dd)):
    print(f'| $name | $mb | {step} | {a:.3f} | {b:.3f} | {a / b:.2f}x | {c:.3f} | {2 * a / c:.2f}x |')"
done
