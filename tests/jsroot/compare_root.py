#!/usr/bin/python3
"""Compares baler's ROOT reader with JSROOT's, value by value, on every shared ROOT file.

For each file in FILES (below): JSROOT dumps the tree through dump.mjs (node), baler reads it
through `baler convert FILE:TREE -o out.npz` (flat branches in one run, each group of jagged
branches with one counter in one run with --columns) and through the tables of its bundle layout
(`FILE:/TREE/entries`: flat branches and strings; `FILE:/TREE/<counter>`: one jagged
collection), and every value must be the same: floats bit for bit, integers (64-bit included)
exactly, strings exactly, jagged branches entry by entry; baler's dtypes must be the branches'
types. RNTuples: every field baler reads (per-entry columns through `FILE:NAME` and
`FILE:/NAME/entries`, each collection through `FILE:/NAME/<counter>`, counters included) against
JSROOT's decoding (dump.mjs relabels the importer's untyped collections so that JSROOT decodes
them). Branches that baler does not read are listed in the table with the reason and reported,
never ignored: a branch or field that JSROOT sees and the table does not account for fails the
test, and so does a .root file in the data folder without an entry.

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
    # String branches (TLeafC): text columns of the bundle's per-entry table /TREE/entries
    # (`baler convert FILE:TREE` leaves them out, with a note).
    strings: list = dataclasses.field(default_factory=list)
    # Branch -> why baler does not read it yet. Reported; the test fails once baler reads one
    # (move it to flat/jagged/strings then).
    not_in_baler: dict = dataclasses.field(default_factory=dict)
    # Branch -> how JSROOT's reading is limited; "cstring": a signed char array, which JSROOT
    # reads as a C string (the bytes before the first zero), compared as such.
    jsroot_limits: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class RNTuple:
    """An RNTuple, compared field by field: every top-level field JSROOT sees is a per-entry
    column of baler's, a collection (baler's table /NAME/<counter>, its members the columns),
    or a projection (a cardinality: the collection's counter column; an RVec view: compared
    through its source collection). The counts below guard against a field going unnoticed."""
    name: str
    entries: int
    columns: int       # baler's per-entry columns (flat fields and counters)
    collections: int   # collections (one table each)
    members: int       # columns of all collections together


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
    return Tree("events", 2304, flat, strings=["Type"])


def _sample():
    kinds = ["b", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]
    flat = ["n"] + [f"{p}{k}" for k in kinds for p in ("", "a")]
    jagged = {"A*": ["A" + k for k in kinds]}
    return Tree("sample", 30, flat, jagged, strings=["str"], jsroot_limits={"ai1": "cstring"})


def _small_flat():
    kinds = ["Int32", "Int64", "UInt32", "UInt64", "Float32", "Float64"]
    flat = kinds + ["Array" + k for k in kinds] + ["N"]
    return Tree("tree", 100, flat, {"Slice*": ["Slice" + k for k in kinds]}, strings=["Str"])


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
    "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root": [
        RNTuple("Events", 1000, columns=1, collections=1, members=5)],
    "cmsopendata2015_ttbar_19980_NANOAOD_RNTupleImporter_rntuple_v1-0-0-1.root": [
        RNTuple("Events", 10, columns=603, collections=22, members=344)],
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


def load_npz(path):
    """A table as baler writes it to npz: {column: array}, in baler's column order (one member
    per column, or `data` (rows x columns) when every column has one dtype)."""
    with np.load(path) as z:
        names = [str(n) for n in z["names"]]
        if "data" in z.files and not any(n == "data" for n in names):
            data = z["data"]
            if data.ndim != 2 or data.shape[1] != len(names):
                raise Mismatch(f"{path}: 'data' has shape {data.shape} for {len(names)} names")
            return {n: np.ascontiguousarray(data[:, k]) for k, n in enumerate(names)}
        return {n: z[n] for n in names}


def baler_npz(path, obj, tmp, columns=None):
    """baler's reading of FILE:OBJ (a tree, or a bundle table such as /events/entries)."""
    out = os.path.join(tmp, "out.npz")
    cmd = [os.environ["BALER_BIN"], "convert", f"{path}:{obj}", "-o", out, "-q"]
    if columns:
        cmd += ["--columns", *columns]
    run(cmd, "baler convert")
    return load_npz(out)


# Leaf types as dump.mjs names them, and RNTuple type names -> the numpy dtype baler must give.
LEAF_DTYPES = {"bool": "b1", "int8": "i1", "uint8": "u1", "int16": "i2", "uint16": "u2",
               "int32": "i4", "uint32": "u4", "int64": "i8", "uint64": "u8", "float32": "f4",
               "float64": "f8", "string": "U"}
RNTUPLE_DTYPES = {"bool": "b1", "char": "i1", "std::int8_t": "i1", "std::uint8_t": "u1",
                  "std::int16_t": "i2", "std::uint16_t": "u2", "std::int32_t": "i4",
                  "std::uint32_t": "u4", "std::int64_t": "i8", "std::uint64_t": "u8",
                  "float": "f4", "double": "f8",
                  "ROOT::RNTupleCardinality<std::uint32_t>": "u4",
                  "ROOT::RNTupleCardinality<std::uint64_t>": "u8"}


def dtype_code(a):
    return "U" if a.dtype.kind == "U" else f"{a.dtype.kind}{a.dtype.itemsize}"


def check_dtype(a, expected, where):
    if expected is None:
        raise Mismatch(f"{where}: no dtype known for its type: add it to the tables")
    if dtype_code(a) != expected:
        raise Mismatch(f"{where}: baler's dtype {a.dtype} is not the branch's type ({expected})")


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
    raise Mismatch(f"{where}: cannot compare baler's dtype {dtype}")


def same(baler, jsroot_values, where):
    """Every value equal: floats by their bits (NaN to NaN allowed: JSON has no payloads),
    strings exactly (as Python strings: no width or padding hides a difference)."""
    if len(baler) != len(jsroot_values):
        raise Mismatch(f"{where}: baler has {len(baler)} values, JSROOT {len(jsroot_values)}")
    if baler.dtype.kind == "U":
        b = baler.tolist()
        if any(not isinstance(v, str) for v in jsroot_values):
            raise Mismatch(f"{where}: JSROOT gave a value that is not a string")
        bad = [i for i, (x, y) in enumerate(zip(b, jsroot_values)) if x != y]
        if bad:
            i = bad[0]
            raise Mismatch(f"{where}: value {i} differs: baler {b[i]!r}, JSROOT "
                           f"{jsroot_values[i]!r} ({len(bad)} of {len(b)} differ)")
        return len(b)
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
    """baler's column names for a flat branch, JSROOT's values and the dtype of each."""
    if jtype.startswith("{"):  # leaf list: one object per entry
        types = dict(p.split(": ") for p in jtype[1:-1].split(", "))
        return {f"{branch}.{leaf}": ([v[leaf] for v in values], LEAF_DTYPES.get(types[leaf]))
                for leaf in types}
    m = re.fullmatch(r"([^\[]*)\[(\d+)\]", jtype)
    if m:  # fixed array
        n = int(m.group(2))
        for e, v in enumerate(values):
            if len(v) != n:
                raise Mismatch(f"{branch}: JSROOT gave {len(v)} values in entry {e}, not {n}")
        return {f"{branch}[{k}]": ([v[k] for v in values], LEAF_DTYPES.get(m.group(1)))
                for k in range(n)}
    return {branch: (values, LEAF_DTYPES.get(jtype))}


def compare_flat(cols, t, d, label, strings):
    """baler's per-entry columns against JSROOT: exactly the table's flat branches (and, for
    the bundle's /TREE/entries table, its strings). Returns (values compared, limit notes)."""
    expected = {}
    for b in t.flat + (t.strings if strings else []):
        if t.jsroot_limits.get(b) == "cstring":  # compared below, per branch
            width = int(re.fullmatch(r"[^\[]*\[(\d+)\]", d["types"][b]).group(1))
            expected.update({f"{b}[{k}]": (b, None, "i1") for k in range(width)})
            continue
        for c, (v, dt) in columns_of(b, d["branches"][b], d["types"][b]).items():
            expected[c] = (b, v, dt)
    if set(cols) != set(expected):
        raise Mismatch(f"{label}: baler's columns differ from the table's "
                       f"{'flat branches and strings' if strings else 'flat branches'}: "
                       f"baler only {sorted(set(cols) - set(expected))}, "
                       f"expected {sorted(set(expected) - set(cols))}")
    nvalues, limited = 0, []
    for c, (b, v, dt) in expected.items():
        check_dtype(cols[c], dt, f"{label} {c}")
        if v is not None:
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
    return nvalues, limited


def compare_objects(cols, members, counts, label):
    """One collection's per-object table (baler) against JSROOT's per-entry arrays.
    members: {column: (per-entry JSROOT lists, expected dtype)}; counts: the counter's values."""
    if set(cols) != set(members):
        raise Mismatch(f"{label}: baler's columns {sorted(cols)}, expected {sorted(members)}")
    nvalues = 0
    for c, (jv, dt) in members.items():
        jcounts = [len(v) for v in jv]
        if jcounts != list(counts):
            e = next(i for i, (x, y) in enumerate(zip(jcounts, counts)) if x != y)
            raise Mismatch(f"{label} {c}: entry {e} has {counts[e]} objects by the counter, "
                           f"{jcounts[e]} in JSROOT")
        check_dtype(cols[c], dt, f"{label} {c}")
        nvalues += same(cols[c], [x for v in jv for x in v], f"{label} {c}")
    return nvalues


def compare_tree(path, t, tmp, report):
    label = f"{os.path.basename(path)}:{t.name}"
    d = jsroot_dump(path, t.name)
    if d["entries"] != t.entries:
        raise Mismatch(f"{label}: JSROOT reads {d['entries']} entries, the table says {t.entries}")
    if d["unread"]:
        raise Mismatch(f"{label}: JSROOT could not read {d['unread']}")
    listed = (set(t.flat) | {b for bs in t.jagged.values() for b in bs} | set(t.strings)
              | set(t.not_in_baler))
    seen = set(d["branches"])
    if seen != listed:
        raise Mismatch(f"{label}: branches JSROOT sees but the table lacks: "
                       f"{sorted(seen - listed)}; listed but absent: {sorted(listed - seen)}")
    for b, vals in d["branches"].items():
        if len(vals) != t.entries:
            raise Mismatch(f"{label}: JSROOT gave {len(vals)} values of {b}")

    # Flat branches: `baler convert FILE:TREE` (no strings), then the bundle's entries table
    # (flat branches and strings); every column accounted for.
    nvalues, limited = compare_flat(baler_npz(path, t.name, tmp), t, d, label, strings=False)
    n, _ = compare_flat(baler_npz(path, f"/{t.name}/entries", tmp), t, d,
                        f"{label} /{t.name}/entries", strings=True)
    nvalues += n

    # Jagged groups: one --columns run each (per-object rows with event_index first), then the
    # bundle's table of the group's counter (/TREE/<counter>).
    njagged = 0
    for glob_, branches in t.jagged.items():
        cols = baler_npz(path, t.name, tmp, [glob_])
        if "event_index" not in cols:
            raise Mismatch(f"{label}: --columns '{glob_}' gave no event_index: {sorted(cols)}")
        ev = cols.pop("event_index")
        if len(ev) and (np.any(np.diff(ev) < 0) or ev[0] < 0 or ev[-1] >= t.entries):
            raise Mismatch(f"{label}: event_index of '{glob_}' not sorted within the entries")
        counts = np.bincount(ev, minlength=t.entries) if len(ev) else np.zeros(t.entries, int)
        types = {b: re.fullmatch(r"([^\[]*)\[([^\]]+)\]", d["types"][b]) for b in branches}
        if any(m is None for m in types.values()):
            raise Mismatch(f"{label}: '{glob_}' selects a branch that is not jagged: {d['types']}")
        counters = {m.group(2) for m in types.values()}
        if len(counters) != 1:
            raise Mismatch(f"{label}: '{glob_}' selects branches of counters {sorted(counters)}")
        counter = counters.pop()
        members = {b: (d["branches"][b], LEAF_DTYPES.get(types[b].group(1))) for b in branches}
        nvalues += compare_objects(cols, members, counts.tolist(),
                                   f"{label} --columns '{glob_}'")
        if counter in d["branches"] and [int(c) for c in d["branches"][counter]] != counts.tolist():
            raise Mismatch(f"{label}: counter {counter} disagrees with the object counts")
        nvalues += compare_objects(baler_npz(path, f"/{t.name}/{counter}", tmp), members,
                                   counts.tolist(), f"{label} /{t.name}/{counter}")
        njagged += len(branches)

    skipped = [f"{b} ({why}; JSROOT read {t.entries} entries)" for b, why in t.not_in_baler.items()]
    report.append(f"ok   {label}: {t.entries} entries, {len(t.flat)} flat + {len(t.strings)} "
                  f"string + {njagged} jagged branches, {nvalues} values equal "
                  "(each route counted)")
    for s in limited:
        report.append(f"     JSROOT limit, compared so: {s}")
    for s in skipped:
        report.append(f"     not compared, baler does not read yet: {s}")


def rntuple_layout(d, label):
    """From JSROOT's dump of an RNTuple: the per-entry fields {name: type}, the collections
    {field: (counter, {member: type})} and the RVec views {name: source}, every top-level
    field accounted for."""
    if d["unread"]:
        raise Mismatch(f"{label}: JSROOT could not read {d['unread']}")
    counters, views = {}, {}
    for n, p in d["projections"].items():
        if p["type"].startswith("ROOT::RNTupleCardinality<"):
            if p["source"] in counters:
                raise Mismatch(f"{label}: two cardinality fields of {p['source']}")
            counters[p["source"]] = n
        elif p["source"] in d["members"]:
            views[n] = p["source"]
        else:
            raise Mismatch(f"{label}: projection {n} ({p}) not accounted for")
    flat, collections = {}, {}
    for n, typ in d["types"].items():
        if n in d["projections"]:
            continue
        if n in d["members"]:
            if n not in counters:
                raise Mismatch(f"{label}: collection {n} has no cardinality field: this test "
                               "names baler's table by it (extend the test)")
            collections[n] = (counters[n], d["members"][n])
        elif "<" in typ or typ.startswith("("):
            raise Mismatch(f"{label}: field {n} of type {typ} not accounted for (extend the test)")
        else:
            flat[n] = typ
    for n in views:
        if views[n] not in collections:
            raise Mismatch(f"{label}: {n} views {views[n]}, not a collection read")
    return flat, collections, views


def compare_rntuple(path, t, tmp, report):
    label = f"{os.path.basename(path)}:{t.name}"
    d = jsroot_dump(path, t.name)
    if d["entries"] != t.entries:
        raise Mismatch(f"{label}: JSROOT reads {d['entries']} entries, the table says {t.entries}")
    for f, vals in d["fields"].items():
        if len(vals) != t.entries:
            raise Mismatch(f"{label}: JSROOT gave {len(vals)} values of field {f}")
    flat, collections, views = rntuple_layout(d, label)
    nmembers = sum(len(m) for _, m in collections.values())
    if (len(flat) + len(collections), len(collections), nmembers) != (t.columns, t.collections,
                                                                     t.members):
        raise Mismatch(f"{label}: JSROOT sees {len(flat)} per-entry fields, {len(collections)} "
                       f"collections of {nmembers} members; the table says {t.columns} columns "
                       f"(counters included), {t.collections} collections, {t.members} members")
    lengths = {c: [len(v) for v in d["fields"][c]] for c in collections}
    nvalues = 0
    # Per-entry columns: the flat fields and each collection's counter (its values: the
    # collection's sizes as JSROOT decodes them), through FILE:NAME and the bundle's table.
    for obj in (t.name, f"/{t.name}/entries"):
        cols = baler_npz(path, obj, tmp)
        expected = set(flat) | {counter for counter, _ in collections.values()}
        if set(cols) != expected:
            raise Mismatch(f"{label} {obj}: baler's columns differ from JSROOT's fields: baler "
                           f"only {sorted(set(cols) - expected)}, JSROOT only "
                           f"{sorted(expected - set(cols))}")
        for n, typ in flat.items():
            check_dtype(cols[n], RNTUPLE_DTYPES.get(typ), f"{label} {obj} {n}")
            nvalues += same(cols[n], d["fields"][n], f"{label} {obj} {n}")
        for c, (counter, _) in collections.items():
            typ = d["projections"][counter]["type"]
            check_dtype(cols[counter], RNTUPLE_DTYPES.get(typ), f"{label} {obj} {counter}")
            nvalues += same(cols[counter], lengths[c], f"{label} {obj} {counter} (sizes of {c})")
    # Collections: /NAME/<counter>, one row per object, the record's members as columns.
    for c, (counter, mtypes) in collections.items():
        members = {m: ([[o[m] for o in v] for v in d["fields"][c]], RNTUPLE_DTYPES.get(typ))
                   for m, typ in mtypes.items()}
        nvalues += compare_objects(baler_npz(path, f"/{t.name}/{counter}", tmp), members,
                                   lengths[c], f"{label} /{t.name}/{counter} ({c})")
    report.append(f"ok   {label}: {t.entries} entries, {len(flat)} flat fields + "
                  f"{len(collections)} collections ({nmembers} members, counters "
                  f"{', '.join(sorted(cs for cs, _ in collections.values())[:4])}"
                  f"{', ...' if len(collections) > 4 else ''}), {nvalues} values equal "
                  "(each route counted)")
    report.append(f"     JSROOT: {'; '.join(d['notes'])}")
    if views:
        report.append(f"     {len(views)} RVec projections ({', '.join(list(views)[:3])}"
                      f"{', ...' if len(views) > 3 else ''}) compared through their collections")


def shared_root_files(tool):
    """The environment's root/ folder and the .root files in it, checked against FILES.
    Returns (root_dir, present, failures), or None after printing why the check cannot run
    (a variable unset, jsroot not installed, no .root files)."""
    for v in ("BALER_BIN", "JSROOT_DIR"):
        if not os.environ.get(v):
            print(f"{tool}: set {v}", file=sys.stderr)
            return None
    if not os.path.exists(os.path.join(os.environ["JSROOT_DIR"], "node_modules", "jsroot")):
        print(f"{tool}: jsroot is not installed in {os.environ['JSROOT_DIR']}: the "
              "jsroot_install test (ctest fixture) failed or did not run", file=sys.stderr)
        return None
    data = os.environ.get("BALER_DATA_DIR") or os.environ.get("BALER_DEFAULT_DATA_DIR", "")
    root_dir = os.path.join(data, "root")
    present = {os.path.basename(p) for p in glob.glob(os.path.join(root_dir, "*.root"))}
    if not present:
        print(f"{tool}: no .root files in '{root_dir}' (BALER_DATA_DIR)", file=sys.stderr)
        return None
    failures = [f"{f}: not in compare_root.py's FILES table: add an entry"
                for f in sorted(present - set(FILES))]
    failures += [f"{f}: listed in FILES but missing from {root_dir}"
                 for f in sorted(set(FILES) - present)]
    return root_dir, present, failures


def main():
    found = shared_root_files("compare_root")
    if found is None:
        return 1
    root_dir, present, failures = found
    report = []
    with tempfile.TemporaryDirectory(prefix="baler-jsroot-") as tmp:
        for f in sorted(present & set(FILES)):
            for obj in FILES[f]:
                try:
                    if isinstance(obj, RNTuple):
                        compare_rntuple(os.path.join(root_dir, f), obj, tmp, report)
                    else:
                        compare_tree(os.path.join(root_dir, f), obj, tmp, report)
                except Mismatch as e:
                    failures.append(str(e))
                    report.append(f"FAIL {f}:{obj.name}")
    print("\n".join(report))
    for msg in failures:
        print("FAIL " + msg)
    checked = sum(r.startswith("ok") for r in report)
    print(f"compare_root: {checked} objects checked, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
