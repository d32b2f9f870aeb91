#!/usr/bin/env python3
"""An HDF5 file with two datasets under groups, with attributes, made and compared by h5py: an
independent check of baler's HDF5 bundles (tests/cli/test_cli_bundle.cpp).

  h5_tree_check.py make FILE      writes the file
  h5_tree_check.py compare A B    exit 0 when B has A's groups, datasets (shape, dtype) and
                                  attributes (names and values), else 1 with the differences
"""
import sys

import h5py
import numpy as np


def make(path):
    rng = np.random.default_rng(7)
    with h5py.File(path, "w") as f:
        f.attrs["experiment"] = "CMS Run2011A, µ channel"
        f.attrs["version"] = np.int64(3)
        jets = f.create_group("jets")
        jets.attrs["units"] = "GeV"
        n = 4000
        rec = np.zeros(n, dtype=[("pt", "<f4"), ("eta", "<f8"), ("n", "<i4"), ("label", h5py.string_dtype())])
        rec["pt"] = rng.exponential(30, n)
        rec["eta"] = rng.normal(0, 2, n)
        rec["n"] = rng.integers(0, 9, n)
        rec["label"] = [("b-tag" if i % 3 else "light, \"q\"") for i in range(n)]
        table = jets.create_dataset("table", data=rec)
        table.attrs["selection"] = "pt > 20"
        table.attrs["cuts"] = np.array([1.5, 2.5, 3.5])
        run = f.create_group("fields/run1")
        run.attrs["dt"] = 0.01
        run.attrs["flags"] = np.array([[1, 0], [0, 1]], dtype=np.uint8)
        u = np.cumsum(rng.normal(size=(16, 24, 20)), axis=0).astype("<f4")
        field = run.create_dataset("u", data=u)
        field.attrs["grid"] = np.array([16, 24, 20])
        field.attrs["axes"] = np.array([b"t", b"y", b"x"])


def objects(f):
    found = {"/": f}
    f.visititems(lambda name, obj: found.__setitem__("/" + name, obj))
    return found


def compare(a_path, b_path):
    problems = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        oa, ob = objects(a), objects(b)
        if sorted(oa) != sorted(ob):
            problems.append(f"paths differ: {sorted(oa)} vs {sorted(ob)}")
        for path in sorted(set(oa) & set(ob)):
            x, y = oa[path], ob[path]
            if isinstance(x, h5py.Dataset) != isinstance(y, h5py.Dataset):
                problems.append(f"{path}: group in one file, dataset in the other")
                continue
            if isinstance(x, h5py.Dataset) and (x.shape != y.shape or x.dtype != y.dtype):
                problems.append(f"{path}: shape/dtype {x.shape} {x.dtype} vs {y.shape} {y.dtype}")
            if sorted(x.attrs) != sorted(y.attrs):
                problems.append(f"{path}: attributes {sorted(x.attrs)} vs {sorted(y.attrs)}")
            for k in set(x.attrs) & set(y.attrs):
                if not np.array_equal(np.asarray(x.attrs[k]), np.asarray(y.attrs[k])):
                    problems.append(f"{path}: attribute {k}: {x.attrs[k]!r} vs {y.attrs[k]!r}")
            if isinstance(x, h5py.Dataset) and x.dtype.names and "label" in x.dtype.names:
                if list(x["label"]) != list(y["label"]):
                    problems.append(f"{path}: text member 'label' differs")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
        sys.exit(0)
    sys.exit(compare(sys.argv[2], sys.argv[3]))
