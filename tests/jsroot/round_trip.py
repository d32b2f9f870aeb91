#!/usr/bin/python3
"""ROOT round trip through baler, checked with JSROOT and with baler's own reader.

Exact: for every shared ROOT file (compare_root.py's FILES table), `baler compress FILE -o
x.baler --error-bound exact` then `baler decompress x.baler -o out.root`; JSROOT (dump.mjs)
reads the original and out.root:
- out.root holds the same trees (RNTuples come back as TTrees of the same name), with the same
  entry counts, and TTrees keep their class, title and branch order;
- every branch of the original is in out.root with the same type, leaf names, title and values
  (floats bit for bit: compared as the JSON dump.mjs writes, the shortest form that reads back
  to the same double, -0.0 kept); nothing else is in out.root;
- RNTuple: every field baler reads is a branch of the same name (per-entry fields as scalars,
  each collection's counter `nMuon` as uint32 `nMuon/i`, each member as a jagged branch
  `Muon_pt[nMuon]/F` of the member's type) holding JSROOT's values of the original's fields;
- baler's reader gives every table of the bundle layout (/T/entries and /T/<counter>) of
  out.root with the same dtypes and bytes as of the original (NaN payloads included).
Lossy: uproot-HZZ.root with `--error-bound abs=0.01`: every branch back with its type; counters,
integer and bool branches equal; floats within 0.01, by JSROOT and by baler's reader; `baler
verify x.baler ORIGINAL` exits 0. Outputs: the exact HZZ bundle decompressed to .h5 (h5py) and
.npz hold one group per tree and one table per collection, bit for bit baler's reading.

Environment as compare_root.py (BALER_BIN, BALER_DATA_DIR or BALER_DEFAULT_DATA_DIR,
JSROOT_DIR, NODE). Exit 0 when everything matches, 1 otherwise.
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from compare_root import (FILES, RNTuple, Mismatch, jsroot_dump, load_npz, rntuple_layout, run,
                          shared_root_files)

LOSSY_FILES = ("uproot-HZZ.root", "Run2012BC_DoubleMuParked_Muons_1000evts_rntuple_v1-0-0-0.root")
LOSSY_BOUND = "abs=0.01"
LOSSY_ABS = 0.01
OUTPUTS_FILE = "uproot-HZZ.root"  # its exact bundle is also written as .h5 and .npz

# RNTuple type -> (dump.mjs's leaf type, ROOT's type letter) of the TTree branch baler writes.
RNTUPLE_LEAVES = {"bool": ("bool", "O"), "std::int8_t": ("int8", "B"),
                  "std::uint8_t": ("uint8", "b"), "std::int16_t": ("int16", "S"),
                  "std::uint16_t": ("uint16", "s"), "std::int32_t": ("int32", "I"),
                  "std::uint32_t": ("uint32", "i"), "std::int64_t": ("int64", "L"),
                  "std::uint64_t": ("uint64", "l"), "float": ("float32", "F"),
                  "double": ("float64", "D"),
                  "ROOT::RNTupleCardinality<std::uint32_t>": ("uint32", "i")}
TREE_CLASSES = ("TTree", "TNtuple", "TNtupleD", "ROOT::RNTuple", "ROOT::Experimental::RNTuple")


def baler(*args):
    return run([os.environ["BALER_BIN"], *args, "-q"], f"baler {args[0]}")


def text(values):
    """Values as exact text: floats by repr (shortest round trip: equal text, equal bits),
    -0.0 kept, NaN/Infinity as tokens, bool apart from int."""
    return json.dumps(values, allow_nan=True)


def bools_as_ints(values):
    """JSROOT hands a TTree's jagged bool arrays over as numbers 0/1 and scalar bools (and an
    RNTuple's bools) as true/false: for a branch of type bool compare them as 0/1."""
    if isinstance(values, list):
        return [bools_as_ints(v) for v in values]
    return int(values) if isinstance(values, bool) else values


def same_values(orig, new, where, typ=None):
    if typ is not None and typ.startswith("bool"):
        orig, new = bools_as_ints(orig), bools_as_ints(new)
    if len(orig) != len(new):
        raise Mismatch(f"{where}: {len(orig)} entries in the original, {len(new)} in out.root")
    if text(orig) == text(new):
        return sum(len(v) if isinstance(v, list) else 1 for v in orig)
    e = next(i for i, (a, b) in enumerate(zip(orig, new)) if text(a) != text(b))
    raise Mismatch(f"{where}: entry {e} differs: original {text(orig[e])[:200]}, "
                   f"out.root {text(new[e])[:200]}")


def tree_keys(path):
    keys = json.loads(run([os.environ.get("NODE", "node"),
                           os.path.join(os.environ["JSROOT_DIR"], "dump.mjs"), path, "--list"],
                          "JSROOT (dump.mjs --list)"))["keys"]
    return sorted((k["name"], k["cycle"]) for k in keys if k["class"] in TREE_CLASSES)


def expected_from_rntuple(d, label):
    """The TTree baler writes for an RNTuple: {branch: (values, type, title)} in JSROOT's terms."""
    flat, collections, _ = rntuple_layout(d, label)
    exp = {}
    for n, typ in flat.items():
        if typ not in RNTUPLE_LEAVES:
            raise Mismatch(f"{label}: field {n} of type {typ}: add it to RNTUPLE_LEAVES")
        leaf, letter = RNTUPLE_LEAVES[typ]
        exp[n] = (d["fields"][n], leaf, f"{n}/{letter}")
    for c, (counter, members) in collections.items():
        leaf, letter = RNTUPLE_LEAVES[d["projections"][counter]["type"]]
        exp[counter] = ([len(v) for v in d["fields"][c]], leaf, f"{counter}/{letter}")
        for m, typ in members.items():
            if typ not in RNTUPLE_LEAVES:
                raise Mismatch(f"{label}: member {c}.{m} of type {typ}: add it to RNTUPLE_LEAVES")
            leaf, letter = RNTUPLE_LEAVES[typ]
            exp[m] = ([[o[m] for o in v] for v in d["fields"][c]], f"{leaf}[{counter}]",
                      f"{m}[{counter}]/{letter}")
    return exp


def bundle_tables(new_dump, name):
    """Bundle table paths of a tree as baler lays it out: /T/entries and one /T/<counter> per
    counter of a jagged branch (read from JSROOT's types of out.root)."""
    counters = []
    for typ in new_dump["types"].values():
        if typ.endswith("]") and "[" in typ:
            c = typ[typ.index("[") + 1:-1]
            if not c.isdigit() and c not in counters:
                counters.append(c)
    return [f"/{name}/entries"] + [f"/{name}/{c}" for c in counters]


def same_tables(orig, new, where, bound=None):
    """baler's reading of a table of the original and of out.root: same columns and dtypes;
    equal bytes, or, with a bound, integers/bools equal and floats within it."""
    if list(orig) != list(new):
        raise Mismatch(f"{where}: columns {list(orig)} in the original, {list(new)} in out.root")
    n = 0
    for c in orig:
        a, b = orig[c], new[c]
        if a.dtype != b.dtype or a.shape != b.shape:
            raise Mismatch(f"{where} {c}: {a.dtype}{a.shape} in the original, {b.dtype}{b.shape}")
        if bound is not None and a.dtype.kind == "f":
            both_nan = np.isnan(a) & np.isnan(b)
            err = np.where(both_nan, 0.0, np.abs(a.astype(np.float64) - b.astype(np.float64)))
            if not (err <= bound).all():
                i = int(np.argmax(~(err <= bound)))
                raise Mismatch(f"{where} {c}: row {i}: original {a[i]!r}, out.root {b[i]!r}, "
                               f"error {err[i]!r} > {bound}")
        elif a.dtype.kind == "U":
            if a.tolist() != b.tolist():
                i = next(k for k, (x, y) in enumerate(zip(a.tolist(), b.tolist())) if x != y)
                raise Mismatch(f"{where} {c}: row {i}: original {a[i]!r}, out.root {b[i]!r}")
        elif a.tobytes() != b.tobytes():
            i = int(np.argmax(a.view(f"u{a.dtype.itemsize}") != b.view(f"u{a.dtype.itemsize}")))
            raise Mismatch(f"{where} {c}: row {i}: original {a[i]!r}, out.root {b[i]!r}")
        n += len(a)
    return n


def baler_table(path, table, tmp):
    out = os.path.join(tmp, "t.npz")
    baler("convert", f"{path}:{table}", "-o", out)
    return load_npz(out)


def check_exact(f, root_dir, tmp):
    src = os.path.join(root_dir, f)
    x, out = os.path.join(tmp, "x.baler"), os.path.join(tmp, "out.root")
    baler("compress", src, "-o", x, "--error-bound", "exact")
    baler("decompress", x, "-o", out)
    lines = []
    want = sorted((o.name, 1) for o in FILES[f])
    if tree_keys(src) != want or tree_keys(out) != want:
        raise Mismatch(f"{f}: trees {tree_keys(src)} in the original, {tree_keys(out)} in "
                       f"out.root; the table says {want}")
    for obj in FILES[f]:
        label = f"{f}:{obj.name}"
        d, n = jsroot_dump(src, obj.name), jsroot_dump(out, obj.name)
        if n["entries"] != d["entries"] or n["unread"]:
            raise Mismatch(f"{label}: out.root has {n['entries']} entries (original "
                           f"{d['entries']}); JSROOT could not read {n['unread']}")
        if isinstance(obj, RNTuple):
            if n["class"] != d["class"]:
                raise Mismatch(f"{label}: out.root holds a {n['class']}, not a {d['class']}")
            for part in ("types", "members", "projections", "unread"):
                if n[part] != d[part]:
                    raise Mismatch(f"{label}: field {part} differ: original {d[part]}, out.root {n[part]}")
            exp = {b: (v, d["types"][b], "") for b, v in d["fields"].items()}
            n = dict(n, branches=n["fields"], titles={b: "" for b in n["fields"]})
            what = "every field"
        else:
            if d["unread"]:
                raise Mismatch(f"{label}: JSROOT could not read the original's {d['unread']}")
            if (n["class"], n["title"], list(n["branches"])) != (d["class"], d["title"],
                                                                 list(d["branches"])):
                raise Mismatch(f"{label}: class, title or branch order differ: original "
                               f"{d['class']} {d['title']!r} {list(d['branches'])}, out.root "
                               f"{n['class']} {n['title']!r} {list(n['branches'])}")
            exp = {b: (v, d["types"][b], d["titles"][b]) for b, v in d["branches"].items()}
            for b in exp:
                if n["leaves"][b] != d["leaves"][b]:
                    raise Mismatch(f"{label} {b}: leaves {d['leaves'][b]} in the original, "
                                   f"{n['leaves'][b]} in out.root")
            what = "every branch"
        if set(n["branches"]) != set(exp):
            raise Mismatch(f"{label}: out.root lacks {sorted(set(exp) - set(n['branches']))}, "
                           f"has extra {sorted(set(n['branches']) - set(exp))}")
        nvalues = 0
        for b, (values, typ, title) in exp.items():
            if (n["types"][b], n["titles"][b]) != (typ, title):
                raise Mismatch(f"{label} {b}: out.root has type {n['types'][b]} title "
                               f"{n['titles'][b]!r}, expected {typ} {title!r}")
            nvalues += same_values(values, n["branches"][b], f"{label} {b}", typ)
        # baler's reader on both files: every bundle table, byte for byte.
        nbaler = 0
        tables = bundle_tables(n, obj.name)
        for t in tables:
            nbaler += same_tables(baler_table(src, t, tmp), baler_table(out, t, tmp),
                                  f"{label} {t} (baler's reader)")
        lines.append(f"ok   {label}: {d['entries']} entries, {what} ({len(exp)} branches) back "
                     f"with its type and title, {nvalues} values equal by JSROOT; "
                     f"{len(tables)} tables, {nbaler} column values byte-equal by baler")
    return lines


def flatten(values):
    """Per-entry values (numbers, or arrays of numbers) as one list of numbers."""
    return [x for v in values for x in (v if isinstance(v, list) else [v])]


def shape(values):
    return [len(v) if isinstance(v, list) else None for v in values]


def entry_columns(values, typ, members):
    """A field's values as {name: (per-entry values, type)}: a collection of records (JSROOT's
    list of {member: value} per entry) as one list per member."""
    if members and any(isinstance(v, list) and v and isinstance(v[0], dict) for v in values):
        return {m: ([[o[m] for o in v] for v in values], t) for m, t in members.items()}
    return {"": (values, typ)}


def check_lossy(f, root_dir, tmp):
    src = os.path.join(root_dir, f)
    x, out = os.path.join(tmp, "lossy.baler"), os.path.join(tmp, "lossy.root")
    baler("compress", src, "-o", x, "--error-bound", LOSSY_BOUND)
    baler("decompress", x, "-o", out)
    p = subprocess.run([os.environ["BALER_BIN"], "verify", x, src, "-q"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise Mismatch(f"{f}: baler verify (bound {LOSSY_BOUND}) exited {p.returncode}: "
                       f"{p.stdout.strip()[-500:]}")
    lines = []
    for obj in FILES[f]:
        label = f"{f}:{obj.name} ({LOSSY_BOUND})"
        d, n = jsroot_dump(src, obj.name), jsroot_dump(out, obj.name)
        if isinstance(obj, RNTuple):  # its fields, as "branches"
            d, n = (dict(x, branches=x["fields"]) for x in (d, n))
        if (n["entries"], list(n["branches"]), n["types"]) != (d["entries"], list(d["branches"]),
                                                               d["types"]):
            raise Mismatch(f"{label}: entries, branches or types differ: original "
                           f"{d['entries']} {d['types']}, out.root {n['entries']} {n['types']}")
        nexact = nbound = 0
        worst = 0.0
        for b, field_values in d["branches"].items():
          members = d.get("members", {}).get(b)
          got_columns = entry_columns(n["branches"][b], n["types"][b], members)
          for m, (values, typ) in entry_columns(field_values, d["types"][b], members).items():
            got = got_columns[m][0]
            base = typ.split("[")[0]
            if base not in ("float32", "float64", "float", "double", "std::vector<float>", "std::vector<double>",
                            "ROOT::VecOps::RVec<float>", "ROOT::VecOps::RVec<double>"):  # counters, integers, bools: exact
                nexact += same_values(values, got, f"{label} {b} {m}", typ)
                continue
            flat_o, flat_n = flatten(values), flatten(got)
            if shape(values) != shape(got):
                raise Mismatch(f"{label} {b}: the per-entry counts differ")
            a, c = np.array(flat_o, dtype=np.float64), np.array(flat_n, dtype=np.float64)
            err = np.where(np.isnan(a) & np.isnan(c), 0.0, np.abs(a - c))
            if not (err <= LOSSY_ABS).all():
                i = int(np.argmax(~(err <= LOSSY_ABS)))
                raise Mismatch(f"{label} {b} {m}: value {i}: original {a[i]!r}, out.root {c[i]!r}, "
                               f"error {err[i]!r} > {LOSSY_ABS} (JSROOT)")
            worst = max(worst, float(err.max()) if len(err) else 0.0)
            nbound += len(a)
        nbaler = 0
        tables = bundle_tables(n, obj.name)
        for t in tables:
            nbaler += same_tables(baler_table(src, t, tmp), baler_table(out, t, tmp),
                                  f"{label} {t} (baler's reader)", bound=LOSSY_ABS)
        lines.append(f"ok   {label}: {len(d['branches'])} branches back with their types; "
                     f"{nexact} counter/integer/bool values equal, {nbound} float values within "
                     f"{LOSSY_ABS} (largest error {worst:.3g}) by JSROOT; {len(tables)} tables, "
                     f"{nbaler} column values by baler's reader; baler verify exit 0")
    return lines


def check_outputs(root_dir, tmp):
    """The exact HZZ bundle as .h5 and .npz: one group per tree, one table per collection,
    equal to baler's reading of the original's tables."""
    import h5py
    f = OUTPUTS_FILE
    src = os.path.join(root_dir, f)
    x = os.path.join(tmp, "outputs.baler")
    h5, npz = os.path.join(tmp, "out.h5"), os.path.join(tmp, "out.npz")
    baler("compress", src, "-o", x, "--error-bound", "exact")
    baler("decompress", x, "-o", h5)
    baler("decompress", x, "-o", npz)
    trees = [o.name for o in FILES[f]]
    expected = {}
    for t in trees:
        tables = bundle_tables(jsroot_dump(src, t), t)
        expected[t] = {tb.rsplit("/", 1)[1]: baler_table(src, tb, tmp) for tb in tables}
    nvalues = 0
    # Beside the tables, what `-o .root` needs travels too: the file's objects and streamer infos
    # (ROOT.objects) and each TTree's stored metadata and basket frames (ROOT.bytes, ROOT.baskets).
    # A tree the leaf-list writer gives back as it was carries nothing more than its tables.
    carried = ["ROOT.bytes", "ROOT.baskets"]

    def tables_of(names):
        got = sorted(n for n in names if n not in carried)
        if any(n in carried for n in names) and not all(c in names for c in carried):
            raise Mismatch(f"{f}: {sorted(names)} hold one of {carried} without the other")
        return got
    with h5py.File(h5, "r") as h:
        if sorted(k for k in h.keys() if k != "ROOT.objects") != sorted(trees):
            raise Mismatch(f"{f} .h5: groups {sorted(h.keys())}, expected the trees {trees} (and ROOT.objects)")
        for t in trees:
            if tables_of(list(h[t].keys())) != sorted(expected[t]):
                raise Mismatch(f"{f} .h5 /{t}: members {sorted(h[t].keys())}, expected "
                               f"{sorted(expected[t])} (entries + one per collection)")
            for m, cols in expected[t].items():
                ds = h[t][m]
                got = {c: np.ascontiguousarray(ds[c]) for c in ds.dtype.names}
                nvalues += same_tables(cols, got, f"{f} .h5 /{t}/{m}")
    with np.load(npz) as z:
        groups = {}
        for k in z.files:
            parts = k.split("/")
            if parts[0] == "ROOT.objects":
                continue
            if len(parts) != 3:
                raise Mismatch(f"{f} .npz: key {k} is not TREE/TABLE/COLUMN")
            groups.setdefault(parts[0], {}).setdefault(parts[1], []).append(parts[2])
        if sorted(groups) != sorted(trees):
            raise Mismatch(f"{f} .npz: groups {sorted(groups)}, expected the trees {trees}")
        for t in trees:
            if tables_of(list(groups[t])) != sorted(expected[t]):
                raise Mismatch(f"{f} .npz {t}/: tables {sorted(groups[t])}, expected "
                               f"{sorted(expected[t])}")
            for m, cols in expected[t].items():
                names = [str(s) for s in z[f"{t}/{m}/names"]]
                got = {c: z[f"{t}/{m}/{c}"] for c in names}
                nvalues += same_tables(cols, got, f"{f} .npz {t}/{m}")
    ntables = sum(len(e) for e in expected.values())
    return [f"ok   {f} as .h5 and .npz: {len(trees)} tree group(s), {ntables} tables (entries + "
            f"one per collection), {nvalues} column values byte-equal to baler's reading"]


def main():
    found = shared_root_files("round_trip")
    if found is None:
        return 1
    root_dir, present, failures = found

    def job(kind, f=None):
        with tempfile.TemporaryDirectory(prefix="baler-roundtrip-") as tmp:
            try:
                if kind == "exact":
                    return check_exact(f, root_dir, tmp), []
                if kind == "lossy":
                    return check_lossy(f, root_dir, tmp), []
                return check_outputs(root_dir, tmp), []
            except Mismatch as e:
                return [f"FAIL {f or kind}"], [str(e)]

    jobs = [("exact", f) for f in sorted(present & set(FILES))]
    jobs += [("lossy", f) for f in LOSSY_FILES if f in present]
    if OUTPUTS_FILE in present:
        jobs.append(("outputs", None))
    report = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # node and baler runs
        for lines, errs in pool.map(lambda j: job(*j), jobs):
            report += lines
            failures += errs
    print("\n".join(report))
    for msg in failures:
        print("FAIL " + msg)
    print(f"round_trip: {sum(r.startswith('ok') for r in report)} checks passed, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
