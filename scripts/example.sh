#!/usr/bin/env bash
# The main job: a Baler-style project on the LHCb example table, train -> compress ->
# decompress -> plot, then the figures that matter. Usage: scripts/example.sh path/to/baler
set -uo pipefail
BALER=${1:-build/tools/baler/baler}
DATA=${BALER_DATA_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/shared/data}
WORK=${BALER_EXAMPLE_DIR:-$(pwd)/build/example}
NOT_IMPLEMENTED=11

mkdir -p "$WORK"
cd "$WORK"
echo "== baler example on $DATA/lhcb/LHCb_B2HHH.npz (work folder $WORK)"

step() {
  echo "-- baler $*"
  "$BALER" "$@"
  rc=$?
  if [ $rc -eq $NOT_IMPLEMENTED ]; then
    echo "   (not built yet: skipped)"
    return 1
  elif [ $rc -ne 0 ]; then
    echo "example: 'baler $*' failed with exit status $rc" >&2
    exit $rc
  fi
}

rm -rf workspaces/example/lhcb
step info "$DATA/lhcb/LHCb_B2HHH.npz"
step --project example lhcb --mode newProject \
  && step --project example lhcb --mode train \
  && step --project example lhcb --mode compress \
  && step --project example lhcb --mode decompress \
  && step --project example lhcb --mode plot
exit 0
