#!/usr/bin/env python3
"""Census of ROOT files through baler: compress (exact) -> decompress -o back.root -> JSROOT.

    python3 bench/root_census.py BUILD [FOLDER] [--out bench/results/root_census.md] [--jobs N]
                                 [--only NAME ...] [--json FILE]

For every .root file of FOLDER (default: $BALER_DATA_DIR/root/skhep, else ../shared/data/root/skhep)
it runs `baler compress FILE -o x.baler --error-bound exact` and `baler decompress x.baler -o
back.root`, then reads both files with JSROOT (tests/jsroot/census.mjs, installed by the ctest
fixture into BUILD/tests/jsroot) and compares every key of every directory, every object (the
digest of JSROOT's JSON of it) and every tree branch (type, title, leaves, sub-branches and the
digest of its values). A file is
  whole     every key, object and branch is there, equal
  partial   it came back, but something is missing or different
  refused   compress failed
  failed    compress worked, decompress (or JSROOT on the output) failed
A thing missing from the output whose name the compress notes do not contain is a silent loss.
Branches are counted by kind (JSROOT's type of the top-level branch), objects by class.
Writes a Markdown table (--out) and, with --json, every file's findings. A benchmark, not a
test: it prints figures and exits 0 unless it could not run.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

TREE_CLASSES = {"TTree", "TNtuple", "TNtupleD", "ROOT::RNTuple", "ROOT::Experimental::RNTuple"}
DIR_CLASSES = {"TDirectory", "TDirectoryFile"}


def branch_kind(t):
    """A branch's kind from JSROOT's type string (dump.mjs branchType)."""
    if t is None:
        return "unknown"
    if t.startswith("TBranchElement") or t.startswith("TBranchObject") or t.startswith("TBranchSTL"):
        cls = t.split(" ", 1)[1] if " " in t else ""
        c = cls.replace(" ", "")
        num = r"(bool|char|unsignedchar|short|unsignedshort|int|unsignedint|long|unsignedlong|longlong|" \
              r"unsignedlonglong|float|double|Long64_t|ULong64_t|Int_t|UInt_t|Float_t|Double_t|Bool_t|" \
              r"Char_t|UChar_t|Short_t|UShort_t|Double32_t|Float16_t|(u?int(8|16|32|64)_t))"
        if re.fullmatch(r"(std::)?vector<" + num + ">", c):
            return "std::vector<number>"
        if re.fullmatch(r"(std::)?vector<(std::)?vector<" + num + ">>", c):
            return "vector<vector<number>>"
        if re.fullmatch(r"(std::)?vector<(std::)?string>", c):
            return "vector<string>"
        if re.fullmatch(r"(std::)?string|TString", c):
            return "std::string"
        if c.startswith("vector<") or c.startswith("std::vector<"):
            return "vector<other>"
        if c in ("TClonesArray",):
            return "TClonesArray"
        if not c:
            return "element (member)"
        return "object"
    if t.startswith("{"):
        return "leaf list"
    if t.startswith("string"):
        return "string (TLeafC)"
    if "[" in t:
        inside = t[t.index("[") + 1:t.index("]")]
        return "fixed array" if inside.isdigit() else "counted array"
    if re.fullmatch(r"u?int(8|16|32|64)|float(32|64)|bool", t):
        return "flat"
    return t.split("[")[0]


def run(cmd, timeout=600):
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr, time.time() - t0
    except subprocess.TimeoutExpired:
        return 124, "timeout", time.time() - t0


def jsroot(jsdir, path, values=True):
    """JSROOT's census of a file; when JSROOT aborts reading the values, the structure alone."""
    try:
        p = subprocess.run(["node", os.path.join(jsdir, "census.mjs"), path] + ([] if values else ["--no-values"]),
                           capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return None, "JSROOT timed out"
    lines = [l for l in p.stdout.splitlines() if l.startswith("{")]
    if p.returncode != 0 or not lines:
        if values:
            return jsroot(jsdir, path, values=False)
        err = (p.stderr + p.stdout).strip()
        return None, err.splitlines()[-1] if err else "rc %d" % p.returncode
    out = json.loads(lines[-1])
    out["values"] = values
    return out, None


def census_file(baler, jsdir, path):
    name = os.path.basename(path)
    res = {"file": name, "status": None, "notes": "", "missing": [], "different": [], "silent": [],
           "branches": {}, "objects": {}, "structure_only": [], "unchecked": []}
    orig, err = jsroot(jsdir, path)
    if orig is None:
        res["status"] = "unreadable by JSROOT"
        res["notes"] = err
        return res
    # What the original holds, by kind.
    for tid, t in orig["trees"].items():
        for b, d in t.get("branches", {}).items():
            res["branches"].setdefault(branch_kind(d["type"]), [0, 0])[0] += 1
    for oid, o in orig["objects"].items():
        res["objects"].setdefault(o["class"], [0, 0])[0] += 1
    with tempfile.TemporaryDirectory() as tmp:
        cont = os.path.join(tmp, "x.baler")
        back = os.path.join(tmp, "back.root")
        rc, out, secs = run([baler, "compress", path, "-o", cont, "--error-bound", "exact"])
        res["notes"] = out
        res["compress_s"] = secs
        if rc != 0:
            res["status"] = "refused"
            res["error"] = out.strip().splitlines()[-1] if out.strip() else "rc %d" % rc
            res["silent"] = []
            return res
        res["in_bytes"] = os.path.getsize(path)
        res["out_bytes"] = os.path.getsize(cont)
        rc, out2, _ = run([baler, "decompress", cont, "-o", back])
        if rc != 0:
            res["status"] = "failed"
            res["error"] = out2.strip().splitlines()[-1] if out2.strip() else "rc %d" % rc
            return res
        new, err = jsroot(jsdir, back)
        if new is None:
            res["status"] = "failed"
            res["error"] = "JSROOT cannot read the output: " + err
            return res
    notes = res["notes"]

    def named(thing):
        base = thing.split(";")[0]
        return base in notes or base.split("/")[-1] in notes

    okeys = collections.Counter((k["path"], k["class"], k["cycle"]) for k in orig["keys"])
    nkeys = collections.Counter((k["path"], k["class"], k["cycle"]) for k in new["keys"])
    for k, n in okeys.items():
        if nkeys.get(k, 0) < n:
            res["missing"].append("key %s;%d (%s)" % (k[0], k[2], k[1]))
            if not named(k[0]):
                res["silent"].append("key %s;%d (%s)" % (k[0], k[2], k[1]))
    for oid, o in orig["objects"].items():
        m = new["objects"].get(oid)
        if m is None:
            continue  # counted with the keys
        if oid.split(";")[0] == "StreamerInfo":  # the file's class descriptions: baler adds its own
            res["objects"][o["class"]][1] += 1
            continue
        if o.get("digest") and m.get("digest") == o["digest"]:
            res["objects"][o["class"]][1] += 1
        elif o.get("error") and m.get("error") == o["error"]:  # JSROOT cannot read either
            res["objects"][o["class"]][1] += 1
            res["structure_only"].append("object %s" % oid)
        else:
            res["different"].append("object %s (%s)" % (oid, o.get("error") or m.get("error") or "content differs"))
    for tid, t in orig["trees"].items():
        m = new["trees"].get(tid)
        if m is None:
            continue
        if "error" in t:
            res["different"].append("tree %s: JSROOT cannot read the original: %s" % (tid, t["error"]))
            continue
        if "error" in m:
            res["different"].append("tree %s: JSROOT cannot read it: %s" % (tid, m["error"]))
            continue
        if t["entries"] != m["entries"]:
            res["different"].append("tree %s: %s entries, originally %s" % (tid, m["entries"], t["entries"]))
        if "values_error" in t:  # JSROOT cannot read the original's values: its structure alone
            res["structure_only"].append("tree %s (JSROOT cannot read its values: %s)" % (tid, t["values_error"]))
            if not t["branches"]:
                res["unchecked"].append(tid)
        for b, d in t["branches"].items():
            e = m["branches"].get(b)
            kind = branch_kind(d["type"])
            if e is None:
                res["missing"].append("branch %s:%s" % (tid, b))
                if not named(b):
                    res["silent"].append("branch %s:%s" % (tid, b))
                continue
            structure = all(d[f] == e[f] for f in ("type", "title", "leaves", "subbranches"))
            # JSROOT could not read the original's values (but maybe the output's): the structure decides.
            same = structure and (d["digest"] == e["digest"] or d["digest"] is None)
            if same and (d["digest"] is not None or not orig["values"]):
                res["branches"][kind][1] += 1
            elif same and d["digest"] is None:  # JSROOT cannot read the original's values: the structure is equal
                res["branches"][kind][1] += 1
                res["structure_only"].append("branch %s:%s" % (tid, b))
            else:
                why = [f for f in ("type", "title", "leaves", "subbranches", "digest") if d[f] != e[f]]
                if d["digest"] is None and orig["values"]:
                    why.append("JSROOT cannot read the original's values")
                res["different"].append("branch %s:%s (%s)" % (tid, b, ", ".join(why)))
    res["status"] = "whole" if not res["missing"] and not res["different"] else "partial"
    res["values_compared"] = orig["values"] and new["values"] and not res["structure_only"]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("folder", nargs="?")
    ap.add_argument("--out", default="bench/results/root_census.md")
    ap.add_argument("--json")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--expect-whole", nargs="+", metavar="FILE",
                    help="a test: census these files only (names in FOLDER); exit 1 unless each is whole")
    a = ap.parse_args()
    data = os.environ.get("BALER_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    folder = a.folder or os.path.join(data, "root", "skhep")
    baler = os.path.abspath(os.path.join(a.build, "tools", "baler", "baler"))
    jsdir = os.path.abspath(os.path.join(a.build, "tests", "jsroot"))
    if not os.path.exists(os.path.join(jsdir, "node_modules", "jsroot")):
        sys.exit("JSROOT is not installed in %s: run `ctest -R jsroot_install` in the build folder first" % jsdir)
    files = sorted(f for f in os.listdir(folder) if f.endswith(".root"))
    if a.expect_whole:
        missing = [f for f in a.expect_whole if f not in files]
        if missing:
            sys.exit("not in %s: %s" % (folder, ", ".join(missing)))
        results = [census_file(baler, jsdir, os.path.join(folder, f)) for f in a.expect_whole]
        bad = 0
        for r in results:
            ok = r["status"] == "whole" and r.get("values_compared")
            bad += not ok
            print("%-45s %s%s" % (r["file"], r["status"], "" if ok else ": " + (r.get("error") or "; ".join(
                (r["missing"] + r["different"])[:6]) or "values not compared")))
        sys.exit(1 if bad else 0)
    if a.only:
        files = [f for f in files if any(o in f for o in a.only)]
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(lambda f: census_file(baler, jsdir, os.path.join(folder, f)), files))
    status = collections.Counter(r["status"] for r in results)
    kinds = collections.defaultdict(lambda: [0, 0])
    classes = collections.defaultdict(lambda: [0, 0])
    for r in results:
        for k, (n, c) in r["branches"].items():
            kinds[k][0] += n
            kinds[k][1] += c
        for k, (n, c) in r["objects"].items():
            classes[k][0] += n
            classes[k][1] += c
    silent = sum(len(r["silent"]) for r in results)
    structure_only = [r["file"] for r in results if r["status"] in ("whole", "partial") and not r.get("values_compared")]
    parts_by_structure = sum(len(r["structure_only"]) for r in results)
    lines = ["# ROOT census: %d files of %s" % (len(results), os.path.relpath(folder)), "",
             "`python3 bench/root_census.py BUILD` (compress `--error-bound exact`, decompress `-o back.root`, "
             "both files read by JSROOT, tests/jsroot/census.mjs); %.0f s." % (time.time() - t0), "",
             "| result | files |", "|---|---|"]
    for s in ("whole", "partial", "refused", "failed", "unreadable by JSROOT"):
        lines.append("| %s | %d |" % (s, status.get(s, 0)))
    lines += ["", "Silent losses (left out, not named by compress): **%d**" % silent, "",
              "Files with branches or objects whose values JSROOT 7.11 cannot read (in the original as in "
              "the output), those compared by structure (key, class, branch type, title, leaves, "
              "sub-branches): %d files, %d branches or objects (%s)" % (
                  len(structure_only), parts_by_structure, ", ".join(structure_only)), "",
              "Trees or RNTuples of which JSROOT 7.11 can read neither values nor fields, in the original (so "
              "compared by key and entry count only; tests/root checks them with baler's own reader): %s" % (
                  ", ".join("%s in %s" % (t, r["file"]) for r in results for t in r.get("unchecked", [])) or "none"), "",
              "| branch kind (top-level) | in the files | carried, equal |", "|---|---|---|"]
    for k, (n, c) in sorted(kinds.items(), key=lambda x: -x[1][0]):
        lines.append("| %s | %d | %d |" % (k, n, c))
    lines += ["", "| object class | in the files | carried, equal |", "|---|---|---|"]
    for k, (n, c) in sorted(classes.items(), key=lambda x: -x[1][0]):
        lines.append("| %s | %d | %d |" % (k, n, c))
    lines += ["", "## Files not whole", "", "| file | result | first findings |", "|---|---|---|"]
    for r in results:
        if r["status"] == "whole":
            continue
        finds = r.get("error") or "; ".join((r["silent"] and ["SILENT: " + r["silent"][0]] or []) + r["missing"][:2] + r["different"][:2])
        lines.append("| %s | %s | %s |" % (r["file"], r["status"], finds.replace("|", "\\|")[:300]))
    text = "\n".join(lines) + "\n"
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            f.write(text)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
