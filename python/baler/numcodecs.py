"""baler as a numcodecs codec: zarr (and anything else that takes numcodecs codecs) stores each
chunk as a .baler container compressed within a bound.

    import zarr, baler.numcodecs
    z = zarr.array(u, chunks=(16, 128, 128), compressor=baler.numcodecs.Baler(bound="abs=1e-4"))

The config is {"id": "baler", "bound": "abs=1e-4"} (the bound as text, as on the command line),
so a zarr array records it in .zarray. Each chunk is compressed on its own: a `rel` bound is
relative to each chunk's range (use `abs` for one tolerance over the whole array). A chunk is
a field when it has 3 or more dimensions (or 2 with more than 256 columns), else a table.
"""
import numpy as np
from numcodecs.abc import Codec
from numcodecs.compat import ensure_contiguous_ndarray_like, ndarray_copy
from numcodecs.registry import register_codec

import baler


class Baler(Codec):
    codec_id = "baler"

    def __init__(self, bound="rel=1e-3", threads=1):
        if not isinstance(bound, str):
            raise baler.UsageError(f"bound is text such as 'abs=1e-4', not {bound!r}")
        self.bound = bound
        self.threads = int(threads)

    def encode(self, buf):
        a = np.asarray(buf)
        if a.dtype.kind not in "biuf":
            a = ensure_contiguous_ndarray_like(buf)
        return baler.compress(a, bound=self.bound, threads=self.threads)

    def decode(self, buf, out=None):
        data = baler.decompress(bytes(ensure_contiguous_ndarray_like(buf)), threads=self.threads)
        return ndarray_copy(data, out) if out is not None else data

    def get_config(self):
        return {"id": self.codec_id, "bound": self.bound}

    def __repr__(self):
        return f"Baler(bound={self.bound!r})"


register_codec(Baler)
