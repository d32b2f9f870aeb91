"""baler as an HDF5 filter: h5py (and any HDF5 program) writes datasets whose chunks are
compressed by baler within a bound, and reads them back, through the plugin libh5baler.so.

    import os, baler.hdf5
    os.environ["HDF5_PLUGIN_PATH"] = baler.hdf5.PLUGIN_PATH     # before h5py loads a plugin
    import h5py
    with h5py.File("u.h5", "w") as f:
        f.create_dataset("u", data=u, chunks=(16, 128, 128), compression=baler.hdf5.FILTER_ID,
                         compression_opts=baler.hdf5.filter_options(bound="abs=1e-4"))

FILTER_ID 305 lies in HDF5's range for unregistered filters: provisional until The HDF Group
assigns one. The parameters are versioned; their meaning never changes once written.
"""
import math
import os
import struct

FILTER_ID = 305
PLUGIN_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plugins")

_KINDS = {"abs": 0, "rel": 1, "pw_rel": 2}


def filter_options(bound="rel=1e-3"):
    """The filter's parameters for h5py's compression_opts: (layout version 1, bound kind
    (0 abs, 1 rel of each chunk's range, 2 pw_rel, 3 exact), the value's binary64 as two
    32-bit halves, low first). The filter adds the dtype and chunk shape itself."""
    from . import UsageError
    if not isinstance(bound, str):
        raise UsageError(f"bound is text such as 'abs=1e-4', not {bound!r}")
    if bound == "exact":
        kind, value = 3, 0.0
    else:
        name, _, text = bound.partition("=")
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if name not in _KINDS or not math.isfinite(value) or value <= 0:
            raise UsageError(f"error bound '{bound}' is not one of abs=X, rel=X, pw_rel=X (X > 0), exact")
        kind = _KINDS[name]
    low, high = struct.unpack("<II", struct.pack("<d", value))
    return (1, kind, low, high)
