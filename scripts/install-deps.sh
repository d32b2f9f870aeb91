#!/usr/bin/env bash
# Installs baler's build and run dependencies from Debian 12 packages (idempotent; run as root).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git
  libtorch-dev libopenblas0-openmp
  libcli11-dev libtomlplusplus-dev
  libzstd-dev zlib1g-dev libzip-dev liblzma-dev liblz4-dev libxxhash-dev
  libhdf5-dev
  libplplot-dev plplot-driver-cairo
  libzfp-dev
  libgtest-dev libgmock-dev
  python3-dev pybind11-dev python3-numpy python3-pytest  # import baler (python/) and its tests
  python3-numcodecs python3-zarr  # baler.numcodecs: the codec and its zarr test
  python3-hdf5plugin hdf5-filter-plugin-zfp-serial  # tests: zfp as an HDF5 filter, beside baler's
  python3-dask python3-distributed  # baler.dask: many files over a dask.distributed cluster
  python3-h5py  # tests: an independent reader of the HDF5 trees baler writes back
  clang libclang-rt-14-dev llvm-14  # make fuzz: libFuzzer, sanitizer runtimes, llvm-symbolizer
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#PACKAGES[@]} packages present"
fi

# tests/jsroot: JSROOT (npm) runs on node as an independent reader of ROOT files; its test
# installs it with npm into the build folder. Checked by command, not by package: a node from
# another source (e.g. one that bundles npm) is kept. Debian 12's nodejs is node 18.
js_missing=()
command -v node >/dev/null 2>&1 || js_missing+=(nodejs)
command -v npm >/dev/null 2>&1 || js_missing+=(npm)
if [ ${#js_missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${js_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${js_missing[@]}"
fi
