"""baler as a numcodecs codec: zarr arrays round-trip within the bound; the codec is found from
its config alone (entry point) and its config holds the bound as text."""
import subprocess
import sys

import numpy as np
import pytest

import zarr  # python3-zarr (scripts/install-deps.sh)
import numcodecs

import baler
import baler.numcodecs


def test_zarr_field_round_trips_within_an_absolute_bound(data_dir, tmp_path):
    u = np.load(data_dir / "fields/vorticity.128_128_41.npy").astype(np.float32)
    codec = baler.numcodecs.Baler(bound="abs=1e-3")
    z = zarr.open(str(tmp_path / "v.zarr"), mode="w", shape=u.shape, chunks=(32, 64, 41), dtype=u.dtype,
                  compressor=codec)
    z[:] = u
    back = zarr.open(str(tmp_path / "v.zarr"), mode="r")[:]
    assert back.dtype == u.dtype and back.shape == u.shape
    assert np.abs(back.astype(np.float64) - u).max() <= 1e-3
    assert z.nbytes_stored < u.nbytes / 2  # compressed, not stored raw


def test_table_chunks_and_config(tmp_path):
    rng = np.random.default_rng(1)
    t = rng.normal(size=(5000, 6))
    z = zarr.array(t, chunks=(1000, 6), compressor=baler.numcodecs.Baler(bound="abs=0.01"))
    assert np.abs(z[:] - t).max() <= 0.01
    codec = numcodecs.get_codec({"id": "baler", "bound": "rel=1e-4"})
    assert isinstance(codec, baler.numcodecs.Baler) and codec.get_config() == {"id": "baler", "bound": "rel=1e-4"}
    with pytest.raises(baler.ConfigError):
        baler.numcodecs.Baler(bound="abs=oops").encode(t)


def test_codec_is_found_through_its_entry_point(tmp_path):
    # A fresh process that never imports baler: numcodecs loads it from the config's id.
    code = ("import numcodecs, numpy as np; c = numcodecs.get_codec({'id': 'baler', 'bound': 'abs=0.5'}); "
            "x = np.arange(100.0); assert abs(c.decode(c.encode(x)) - x).max() <= 0.5; print(type(c).__module__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "baler.numcodecs"
