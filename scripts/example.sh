#!/usr/bin/env bash
# The main job: a Baler-style project on the LHCb example table, newProject -> train ->
# compress -> decompress -> plot, then the figures that matter. A step whose mode is not built
# yet (exit 11) is skipped with a note, and so are the steps that need its output; any other
# failure stops the script with that step's exit status.
# Usage: scripts/example.sh [path/to/baler]   (env: BALER_DATA_DIR, BALER_EXAMPLE_DIR, EPOCHS)
set -uo pipefail
BALER=$(realpath -m "${1:-build/tools/baler/baler}")
DATA=${BALER_DATA_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/shared/data}
WORK=${BALER_EXAMPLE_DIR:-$(pwd)/build/example}
INPUT="$DATA/lhcb/LHCb_B2HHH.npz"
NOT_IMPLEMENTED=11
PROJECT=(--project example lhcb)

mkdir -p "$WORK" || exit 4
cd "$WORK" || exit 4
echo "== baler example on $INPUT (work folder $WORK)"

# step NAME ARGS...: runs baler; returns 0 if it worked, 1 if the mode is not built yet;
# exits the script on a real failure.
step() {
  echo "-- baler $*"
  "$BALER" "$@"
  local rc=$?
  if [ $rc -eq $NOT_IMPLEMENTED ]; then
    echo "   (not built yet: skipped)"
    return 1
  elif [ $rc -ne 0 ]; then
    echo "example: 'baler $*' failed with exit status $rc" >&2
    exit $rc
  fi
}

skip() { echo "-- baler $* (skipped: $SKIP_REASON)"; }

rm -rf workspaces/example/lhcb
step info "$INPUT"
NEW=("${PROJECT[@]}" --mode newProject --input "$INPUT")
[ -n "${EPOCHS:-}" ] && NEW+=(--set "training.epochs=$EPOCHS")
step "${NEW[@]}" || { echo "example: newProject is required" >&2; exit 1; }

trained=0 compressed=0 decompressed=0
step "${PROJECT[@]}" --mode train && trained=1
step "${PROJECT[@]}" --mode compress && compressed=1
if [ $compressed -eq 1 ]; then
  step "${PROJECT[@]}" --mode decompress && decompressed=1
else
  SKIP_REASON="nothing compressed" skip "${PROJECT[@]}" --mode decompress
fi
if [ $decompressed -eq 1 ]; then
  step "${PROJECT[@]}" --mode plot
else
  SKIP_REASON="nothing decompressed" skip "${PROJECT[@]}" --mode plot
fi

echo "== results"
step "${PROJECT[@]}" --mode info
OUT=workspaces/example/lhcb/output
CONTAINER=$OUT/compressed_output/LHCb_B2HHH.baler
if [ $compressed -eq 1 ] && [ -f "$CONTAINER" ]; then
  step info "$CONTAINER"
  # verify: every value within its bound (exit 10 otherwise, which stops the script).
  step verify "$CONTAINER" "$INPUT"
  in_bytes=$(stat -c %s "$INPUT")
  out_bytes=$(stat -c %s "$CONTAINER")
  echo "input  $INPUT: $in_bytes bytes (npz, float64)"
  echo "output $CONTAINER: $out_bytes bytes (all that decompress needs; model $([ $trained -eq 1 ] && echo 'trained: see compress above for whether it paid' || echo 'not trained'))"
  # The one ratio baler reports everywhere (compress, info, report.html), as info prints it.
  "$BALER" info "$CONTAINER" | grep '^ratio'
fi
exit 0
