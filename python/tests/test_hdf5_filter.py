"""baler as an HDF5 filter plugin: h5py writes a 3-D float32 dataset in chunks of 16 frames and
reads it back within the bound; the file is smaller than with the zfp filter (hdf5plugin's
Zfp, Debian's H5Z-ZFP plugin) at the same absolute tolerance; without the plugin path the read
fails with HDF5's own error, never returns garbage. Each writer runs in a process of its own:
HDF5 reads HDF5_PLUGIN_PATH once, when it starts."""
import os
import subprocess
import sys

import numpy as np
import pytest

import baler
import baler.hdf5

WRITE = """
import sys, numpy as np, h5py
{setup}
u = np.load(sys.argv[1]).astype(np.float32)
with h5py.File(sys.argv[2], "w") as f:
    f.create_dataset("u", data=u, chunks=(16,) + u.shape[1:], {filter})
back = h5py.File(sys.argv[2], "r")["u"][:]
np.save(sys.argv[3], back)
"""


def run(code, args, plugin_path=None):
    env = dict(os.environ)
    env.pop("HDF5_PLUGIN_PATH", None)
    if plugin_path:
        env["HDF5_PLUGIN_PATH"] = plugin_path
    return subprocess.run([sys.executable, "-c", code] + [str(a) for a in args], env=env, capture_output=True, text=True)


def test_h5py_round_trip_within_the_bound_and_smaller_than_zfp(data_dir, tmp_path):
    src = data_dir / "fields/vorticity.128_128_41.npy"
    u = np.load(src).astype(np.float32)
    tol = 1e-3 * float(u.max() - u.min())
    ours = WRITE.format(setup="import baler.hdf5",
                        filter=f"compression=baler.hdf5.FILTER_ID, compression_opts=baler.hdf5.filter_options('abs={tol!r}')")
    r = run(ours, [src, tmp_path / "b.h5", tmp_path / "b.npy"], baler.hdf5.PLUGIN_PATH)
    assert r.returncode == 0, r.stderr
    back = np.load(tmp_path / "b.npy")
    assert back.dtype == np.float32 and back.shape == u.shape
    assert np.abs(back.astype(np.float64) - u).max() <= tol
    zfp = WRITE.format(setup="import hdf5plugin", filter=f"**hdf5plugin.Zfp(accuracy={tol!r})")
    r = run(zfp, [src, tmp_path / "z.h5", tmp_path / "z.npy"])
    assert r.returncode == 0, r.stderr
    assert np.abs(np.load(tmp_path / "z.npy").astype(np.float64) - u).max() <= tol
    assert (tmp_path / "b.h5").stat().st_size < (tmp_path / "z.h5").stat().st_size
    # Without the plugin: HDF5's error, no data.
    read = "import h5py, sys; h5py.File(sys.argv[1], 'r')['u'][:]"
    r = run(read, [tmp_path / "b.h5"])
    assert r.returncode != 0 and "required filter 'baler" in r.stderr and "not registered" in r.stderr, r.stderr


def test_integer_and_exact_chunks(tmp_path):
    code = """
import sys, numpy as np, h5py, baler.hdf5
x = (np.arange(40 * 30) % 17).astype(np.int16).reshape(40, 30)
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("x", data=x, chunks=(7, 30), compression=baler.hdf5.FILTER_ID,
                     compression_opts=baler.hdf5.filter_options("exact"))
assert np.array_equal(h5py.File(sys.argv[1], "r")["x"][:], x)
"""
    r = run(code, [tmp_path / "i.h5"], baler.hdf5.PLUGIN_PATH)
    assert r.returncode == 0, r.stderr


def test_filter_options():
    assert baler.hdf5.filter_options("abs=0.5") == (1, 0, 0, 0x3FE00000)
    assert baler.hdf5.filter_options("exact")[:2] == (1, 3)
    for bad in ["abs=", "absolute=1", "rel=-1", "rel=nan", 0.1]:
        with pytest.raises(baler.UsageError):
            baler.hdf5.filter_options(bad)
