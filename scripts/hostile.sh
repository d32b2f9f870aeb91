#!/usr/bin/env bash
# Runs info, compress and convert of a baler build on every file of the must-fail corpus
# ../shared/data/hostile/ and prints one table row per run: exit status, the error's first
# line, wall seconds and peak RSS (GNU time). Issue 14's bar: a clear error, under 1 s and 100 MB.
#   usage: scripts/hostile.sh path/to/baler [label]
set -uo pipefail
BALER=$(realpath "${1:?usage: scripts/hostile.sh path/to/baler [label]}")
LABEL=${2:-$BALER}
DATA=${BALER_DATA_DIR:-$(dirname "$0")/../../shared/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| build | file | command | exit | seconds | peak RSS MB | message |"
echo "|---|---|---|---|---|---|---|"
for f in "$DATA"/hostile/*; do
  case $f in *.md) continue ;; esac
  for cmd in info compress convert; do
    case $cmd in
      info) args=(info "$f") ;;
      compress) args=(compress "$f" -o "$tmp/out.baler") ;;
      convert) args=(convert "$f" -o "$tmp/out.npy") ;;
    esac
    /usr/bin/time -f "%e %M" -o "$tmp/time" timeout 60 "$BALER" "${args[@]}" > /dev/null 2> "$tmp/err"
    rc=$?
    read -r secs kb < <(tail -1 "$tmp/time") || { secs=?; kb=0; }
    [ "$(ls "$tmp" | grep -c '^out\.')" = 0 ] || { echo "output left behind by $cmd $f" >&2; rm -f "$tmp"/out.*; }
    msg=$(grep -m1 "error" "$tmp/err" | sed "s|$DATA/||g; s/|/\\\\|/g" | cut -c1-150)
    echo "| $LABEL | $(basename "$f") | $cmd | $rc | $secs | $((kb / 1024)) | $msg |"
  done
done
