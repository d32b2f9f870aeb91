#!/usr/bin/python3
"""Compares baler's ROOT reader with JSROOT's, value by value, on every shared ROOT file.

For each file in FILES (below): JSROOT dumps the tree through dump.mjs (node), baler reads it
through `baler convert FILE:TREE -o out.npz` (flat branches in one run, each group of jagged
branches with one counter in one run with --columns), and every value must be the same: floats
bit for bit, integers (64-bit included) exactly, jagged branches entry by entry. Branches that
baler does not read yet are listed in the table with the reason and reported, never ignored:
a branch that JSROOT sees and the table does not list fails the test, and so does a .root file
in the data folder without an entry.

Environment: BALER_BIN (the baler tool), BALER_DATA_DIR (else BALER_DEFAULT_DATA_DIR): the
folder holding root/*.root, JSROOT_DIR (where npm installed jsroot and dump.mjs lies), NODE
(default: node on PATH). Exit 0 when everything compared is equal, 1 otherwise.
"""
import dataclasses
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np


@dataclasses.dataclass
class Tree:
    """A TTree and how baler reads each of its branches."""
    name: str
    entries: int
    # Branches baler reads by default: scalars, fixed arrays (columns b[0], b[1], ...) and leaf
    # lists (columns b.x, b.y, ...). `baler convert` without --columns must give exactly these.
    flat: list
    # Jagged branches: a --columns glob -> the branches it selects (one counter for all).
    jagged: dict = dataclasses.field(default_factory=dict)
    # Branch -> why baler does not read it yet. Reported; the test fails once baler reads one
    # (move it to flat/jagged then).
    not_in_baler: dict = dataclasses.field(default_factory=dict)
    # Branch -> how JSROOT's reading is limited; "cstring": a signed char array, which JSROOT
    # reads as a C string (the bytes before the first zero), compared as such.
    jsroot_limits: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class RNTuple:
    """An RNTuple: baler does not read RNTuple yet (baler=None), so JSROOT's reading is only
    checked for its entry count and reported. `fields` lists the top-level fields to dump
    (None: all)."""
    name: str
    entries: int
    fields: list = None
    baler: str = "baler does not read RNTuple yet"


def _hzz():
    groups = {"Jet_*": ["Jet_Px", "Jet_Py", "Jet_Pz", "Jet_E", "Jet_btag", "Jet_ID"],
              "Muon_*": ["Muon_Px", "Muon_Py", "Muon_Pz", "Muon_E", "Muon_Charge", "Muon_Iso"],
              "Electron_*": ["Electron_Px", "Electron_Py", "Electron_Pz", "Electron_E",
                             "Electron_Charge", "Electron_Iso"],
              "Photon_*": ["Photon_Px", "Photon_Py", "Photon_Pz", "Photon_E", "Photon_Iso"]}
    mc = [f"MC{p}_{c}" for p in ("hadronicBottom", "leptonicBottom", "hadronicWDecayQuark",
                                 "hadronicWDecayQuarkBar", "lepton", "neutrino")
          for c in ("px", "py", "pz")]
    flat = (["NJet", "NMuon", "NElectron", "NPhoton", "MET_px", "MET_py"] + mc +
            ["MCleptonPDGid", "NPrimaryVertices", "triggerIsoMu24", "EventWeight"])
    return Tree("events", 2421, flat, groups)


def _zmumu():
    flat = ["Run", "Event"] + [f"{v}{i}" for i in (1, 2)
                               for v in ("E", "px", "py", "pz", "pt", "eta", "phi", "Q")] + ["M"]
    return Tree("events", 2304, flat, not_in_baler={"Type": "strings (TLeafC)"})


def _sample():
    kinds = ["b", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]
    flat = ["n"] + [f"{p}{k}" for k in kinds for p in ("", "a")]
    jagged = {"A*": ["A" + k for k in kinds]}
    return Tree("sample", 30, flat, jagged, not_in_baler={"str": "strings (TLeafC)"},
                jsroot_limits={"ai1": "cstring"})


def _small_flat():
    kinds = ["Int32", "Int64", "UInt32", "UInt64", "Float32", "Float64"]
    flat = kinds + ["Array" + k for k in kinds] + ["N"]
    return Tree("tree", 100, flat, {"Slice*": ["Slice" + k for k in kinds]},
                not_in_baler={"Str": "strings (TLeafC)"})


# File (relative to $BALER_DATA_DIR/root) -> the objects to compare. To add a file: put it in
# the shared data, add a line here (a TTree: which branches baler reads flat, which jagged
# groups, which it does not read yet and why).
FILES = {
    "uproot-HZZ.root": [_hzz()],
    "uproot-HZZ-lz4.root": [_hzz()],
    "uproot-HZZ-zstd.root": [_hzz()],
    "uproot-Zmumu.root": [_zmumu()],
    "uproot-Zmumu-lz4.root": [_zmumu()],
    "uproot-Zmumu-lzma.root": [_zmumu()],
    "uproot-Zmumu-uncompressed.root": [_zmumu()],
    "uproot-Zmumu-zlib.root": [_zmumu()],
    "uproot-Zmumu-zstd.root": [_zmumu()],
    "uproot-leaflist.root": [Tree("tree", 5, ["leaflist"])],
    "uproot-sample-6.20.04-lz4.root": [_sample()],
    "uproot-sample-6.20.04-lzma.root": [_sample()],
    "uproot-sample-6.20.04-uncompressed.root": [_sample()],
    "uproot-sample-6.20.04-zlib.root": [_sample()],
    "uproot-small-flat-tree.root": [_small_flat()],
    "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root": [RNTuple("Events", 1000)],
    "cmsopendata2015_ttbar_19980_NANOAOD_RNTupleImporter_rntuple_v1-0-0-1.root": [
        RNTuple("Events", 10, fields=["run", "luminosityBlock", "event", "HTXS_Higgs_pt",
                                      "HTXS_njets25", "_collection0"])],
}


class Mismatch(Exception):
    pass


def run(cmd, what):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise Mismatch(f"{what} failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr.strip()}")
    return p.stdout


def jsroot_dump(path, name, names=()):
    dump = os.path.join(os.environ["JSROOT_DIR"], "dump.mjs")
    out = run([os.environ.get("NODE", "node"), dump, path, name, *names], "JSROOT (dump.mjs)")
    return json.loads(out)  # exact ints; NaN/Infinity tokens accepted


def baler_npz(path, tree, tmp, columns=None):
    out = os.path.join(tmp, "out.npz")
    cmd = [os.environ["BALER_BIN"], "convert", f"{path}:{tree}", "-o", out]
    if columns:
        cmd += ["--columns", *columns]
    run(cmd, "baler convert")
    with np.load(out) as z:
        names = [str(n) for n in z["names"]]
        return {n: z[n] for n in names}


def as_array(values, dtype, where):
    """JSROOT's values (JSON numbers) as an array of baler's dtype, refusing any rounding."""
    if dtype.kind == "f":
        d = np.array(values, dtype=np.float64)
        a = d.astype(dtype)
        bad = ~((a.astype(np.float64) == d) | (np.isnan(d) & np.isnan(a)))
        if bad.any():
            raise Mismatch(f"{where}: JSROOT value {d[bad][0]!r} is not a {dtype}")
        return a
    if dtype.kind == "b":
        ints = [int(v) for v in values]
        if any(v not in (0, 1) for v in ints):
            raise Mismatch(f"{where}: JSROOT gave a non-boolean value")
        return np.array(ints, dtype=dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        ints = [int(v) for v in values]
        if any(v < info.min or v > info.max or v != w for v, w in zip(ints, values)):
            raise Mismatch(f"{where}: JSROOT value out of {dtype} or not an integer")
        return np.array(ints, dtype=dtype)
    if dtype.kind == "U":
        return np.array([str(v) for v in values], dtype=dtype)
    raise Mismatch(f"{where}: cannot compare baler's dtype {dtype}")


def same(baler, jsroot_values, where):
    """Every value equal: floats by their bits (NaN to NaN allowed: JSON has no payloads)."""
    if len(baler) != len(jsroot_values):
        raise Mismatch(f"{where}: baler has {len(baler)} values, JSROOT {len(jsroot_values)}")
    j = as_array(jsroot_values, baler.dtype, where)
    if baler.dtype.kind == "f":
        bits = np.dtype(f"u{baler.dtype.itemsize}")
        ok = (baler.view(bits) == j.view(bits)) | (np.isnan(baler) & np.isnan(j))
    else:
        ok = baler == j
    if not ok.all():
        i = int(np.argmin(ok))
        raise Mismatch(f"{where}: value {i} differs: baler {baler[i]!r}, JSROOT {j[i]!r} "
                       f"({int((~ok).sum())} of {len(ok)} differ)")
    return len(ok)


def columns_of(branch, values, jtype):
    """baler's column names for a flat branch and JSROOT's values for each of them."""
    if jtype.startswith("{"):  # leaf list: one object per entry
        leaves = list(values[0]) if values else []
        return {f"{branch}.{leaf}": [v[leaf] for v in values] for leaf in leaves}
    m = re.fullmatch(r"[^\[]*\[(\d+)\]", jtype)
    if m:  # fixed array
        n = int(m.group(1))
        for e, v in enumerate(values):
            if len(v) != n:
                raise Mismatch(f"{branch}: JSROOT gave {len(v)} values in entry {e}, not {n}")
        return {f"{branch}[{k}]": [v[k] for v in values] for k in range(n)}
    return {branch: values}


def compare_tree(path, t, tmp, report):
    label = f"{os.path.basename(path)}:{t.name}"
    d = jsroot_dump(path, t.name)
    if d["entries"] != t.entries:
        raise Mismatch(f"{label}: JSROOT reads {d['entries']} entries, the table says {t.entries}")
    if d["unread"]:
        raise Mismatch(f"{label}: JSROOT could not read {d['unread']}")
    listed = (set(t.flat) | {b for bs in t.jagged.values() for b in bs} | set(t.not_in_baler))
    seen = set(d["branches"])
    if seen != listed:
        raise Mismatch(f"{label}: branches JSROOT sees but the table lacks: "
                       f"{sorted(seen - listed)}; listed but absent: {sorted(listed - seen)}")
    for b, vals in d["branches"].items():
        if len(vals) != t.entries:
            raise Mismatch(f"{label}: JSROOT gave {len(vals)} values of {b}")
    nvalues, limited = 0, []

    # Flat branches: one baler run, every column accounted for.
    cols = baler_npz(path, t.name, tmp)
    expected = {}
    for b in t.flat:
        if t.jsroot_limits.get(b) == "cstring":  # compared below, per branch
            width = int(re.fullmatch(r"[^\[]*\[(\d+)\]", d["types"][b]).group(1))
            expected.update({f"{b}[{k}]": (b, None) for k in range(width)})
            continue
        for c, v in columns_of(b, d["branches"][b], d["types"][b]).items():
            expected[c] = (b, v)
    if set(cols) != set(expected):
        raise Mismatch(f"{label}: baler's columns differ from the table's flat branches: "
                       f"baler only {sorted(set(cols) - set(expected))}, "
                       f"expected {sorted(set(expected) - set(cols))}")
    for c, (b, v) in expected.items():
        if v is None:
            continue
        nvalues += same(cols[c], v, f"{label} {c}")
    for b, how in t.jsroot_limits.items():
        if how != "cstring":
            raise Mismatch(f"{label}: unknown JSROOT limit '{how}' for {b}")
        width = len([c for c in cols if c.startswith(b + "[")])
        rows = np.stack([cols[f"{b}[{k}]"] for k in range(width)], axis=1)
        cut = 0
        for e, (row, jv) in enumerate(zip(rows, d["branches"][b])):
            r = row.tolist()
            prefix = r[:r.index(0)] if 0 in r else r
            cut += prefix != r
            if prefix != list(jv):
                raise Mismatch(f"{label} {b} entry {e}: baler {r}, JSROOT (C string) {jv}")
            nvalues += len(jv)
        limited.append(f"{b} as C strings ({cut} of {t.entries} entries cut at a zero byte)")

    # Jagged groups: one baler run each; per-object rows with event_index first.
    njagged = 0
    for glob_, branches in t.jagged.items():
        cols = baler_npz(path, t.name, tmp, [glob_])
        if set(cols) != {"event_index", *branches}:
            raise Mismatch(f"{label}: --columns '{glob_}' gave {sorted(cols)}, "
                           f"expected event_index + {sorted(branches)}")
        ev = cols["event_index"]
        if len(ev) and (np.any(np.diff(ev) < 0) or ev[0] < 0 or ev[-1] >= t.entries):
            raise Mismatch(f"{label}: event_index of '{glob_}' not sorted within the entries")
        counts = np.bincount(ev, minlength=t.entries) if len(ev) else np.zeros(t.entries, int)
        for b in branches:
            jv = d["branches"][b]
            jcounts = [len(v) for v in jv]
            if jcounts != counts.tolist():
                e = next(i for i, (x, y) in enumerate(zip(jcounts, counts)) if x != y)
                raise Mismatch(f"{label} {b}: entry {e} has {counts[e]} values in baler, "
                               f"{jcounts[e]} in JSROOT")
            nvalues += same(cols[b], [x for v in jv for x in v], f"{label} {b}")
            njagged += 1

    skipped = [f"{b} ({why}; JSROOT read {t.entries} entries)" for b, why in t.not_in_baler.items()]
    report.append(f"ok   {label}: {t.entries} entries, {len(t.flat)} flat + {njagged} jagged "
                  f"branches, {nvalues} values equal")
    for s in limited:
        report.append(f"     JSROOT limit, compared so: {s}")
    for s in skipped:
        report.append(f"     not compared, baler does not read yet: {s}")


def check_rntuple(path, t, report):
    label = f"{os.path.basename(path)}:{t.name}"
    d = jsroot_dump(path, t.name, t.fields or ())
    if d["entries"] != t.entries:
        raise Mismatch(f"{label}: JSROOT reads {d['entries']} entries, the table says {t.entries}")
    for f, vals in d["fields"].items():
        if len(vals) != t.entries:
            raise Mismatch(f"{label}: JSROOT gave {len(vals)} values of field {f}")
    report.append(f"skip {label}: {t.baler}; JSROOT read {len(d['fields'])} fields of "
                  f"{t.entries} entries, could not read {len(d['unread'])}")
    reasons = {}
    for f, why in d["unread"].items():
        reasons.setdefault(why, []).append(f)
    for why, fs in reasons.items():
        report.append(f"     JSROOT unread ({why}): {', '.join(fs[:6])}"
                      + (f" and {len(fs) - 6} more" if len(fs) > 6 else ""))


def main():
    for v in ("BALER_BIN", "JSROOT_DIR"):
        if not os.environ.get(v):
            print(f"compare_root: set {v}", file=sys.stderr)
            return 1
    if not os.path.exists(os.path.join(os.environ["JSROOT_DIR"], "node_modules", "jsroot")):
        print(f"compare_root: jsroot is not installed in {os.environ['JSROOT_DIR']}: the "
              "jsroot_install test (ctest fixture) failed or did not run", file=sys.stderr)
        return 1
    data = os.environ.get("BALER_DATA_DIR") or os.environ.get("BALER_DEFAULT_DATA_DIR", "")
    root_dir = os.path.join(data, "root")
    present = {os.path.basename(p) for p in glob.glob(os.path.join(root_dir, "*.root"))}
    if not present:
        print(f"compare_root: no .root files in '{root_dir}' (BALER_DATA_DIR)", file=sys.stderr)
        return 1
    report, failures = [], []
    for f in sorted(present - set(FILES)):
        failures.append(f"{f}: not in compare_root.py's FILES table: add an entry")
    for f in sorted(set(FILES) - present):
        failures.append(f"{f}: listed in FILES but missing from {root_dir}")
    with tempfile.TemporaryDirectory(prefix="baler-jsroot-") as tmp:
        for f in sorted(present & set(FILES)):
            for obj in FILES[f]:
                try:
                    if isinstance(obj, RNTuple):
                        check_rntuple(os.path.join(root_dir, f), obj, report)
                    else:
                        compare_tree(os.path.join(root_dir, f), obj, tmp, report)
                except Mismatch as e:
                    failures.append(str(e))
                    report.append(f"FAIL {f}:{obj.name}")
    print("\n".join(report))
    for msg in failures:
        print("FAIL " + msg)
    checked = sum(r.startswith(("ok", "skip")) for r in report)
    print(f"compare_root: {checked} objects checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
