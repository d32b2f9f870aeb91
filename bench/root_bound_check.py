#!/usr/bin/env python3
"""A lossy round trip of ROOT files as JSROOT reads them: compress at a bound, decompress -o .root.

    python3 bench/root_bound_check.py BUILD FILE.root [FILE.root ...] [--bound SPEC]

For each file: `baler compress FILE -o x.baler [--error-bound SPEC]` (default: baler's default
bound), `baler verify x.baler FILE`, `baler decompress x.baler -o back.root`; then every branch
of every TTree is read by JSROOT (tests/jsroot/dump.mjs) in both files and compared value by
value: a branch read into columns (the summary's `/T/table:column ... abs B` lines) within its
column's absolute bound B (integers, counters and bools exactly), every other branch equal. It
prints one line per tree and the largest error relative to its bound, and exits 1 when a value
is outside its bound or verify fails.
"""
import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def dump(jsdir, path, tree):
    p = subprocess.run(["node", os.path.join(jsdir, "dump.mjs"), path, tree], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("JSROOT cannot read %s:%s: %s" % (path, tree, p.stderr.strip()[-300:]))
    at = p.stdout.find('{"class"')  # JSROOT prints its warnings on stdout first
    return json.loads(p.stdout[at:])


def flat(v):
    """Every number of a value (scalars, arrays, nested arrays, records), in order."""
    if isinstance(v, list):
        for x in v:
            yield from flat(x)
    elif isinstance(v, dict):
        for k in sorted(v):
            yield from flat(v[k])
    else:
        yield v


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("build")
    ap.add_argument("files", nargs="+")
    ap.add_argument("--bound")
    a = ap.parse_args()
    baler = os.path.abspath(os.path.join(a.build, "tools", "baler", "baler"))
    jsdir = os.path.abspath(os.path.join(a.build, "tests", "jsroot"))
    bad = 0
    for f in a.files:
        with tempfile.TemporaryDirectory() as tmp:
            x, back = os.path.join(tmp, "x.baler"), os.path.join(tmp, "back.root")
            rc, out, err = run([baler, "compress", f, "-o", x] + (["--error-bound", a.bound] if a.bound else []))
            if rc != 0:
                print("FAIL %s: compress: %s" % (f, err.strip()[-300:]))
                bad += 1
                continue
            bounds = {}  # (tree, branch) -> abs bound of its column
            for line in out.splitlines():
                m = re.match(r"\s+/(.+)/([^/:]+):(\S+)\s+(\S+)\s+\S+\s+abs (\S+)", line)
                if m and not m.group(2).startswith("ROOT."):
                    bounds[(m.group(1), m.group(3))] = float(m.group(5))
            rc, vout, verr = run([baler, "verify", x, f])
            if rc != 0:
                print("FAIL %s: verify exit %d: %s" % (f, rc, (vout + verr).strip()[-300:]))
                bad += 1
            rc, _, err = run([baler, "decompress", x, "-o", back])
            if rc != 0:
                print("FAIL %s: decompress: %s" % (f, err.strip()[-300:]))
                bad += 1
                continue
            listing = subprocess.run(["node", os.path.join(jsdir, "dump.mjs"), f, "--list"], capture_output=True, text=True).stdout
            listing = json.loads(listing[listing.find('{"keys"'):])
            trees = [k["name"] for k in listing["keys"]
                     if k["class"] in ("TTree", "TNtuple", "TNtupleD", "ROOT::RNTuple")]
            for t in trees:
                try:
                    o = dump(jsdir, f, t)
                except Exception as e:  # noqa: BLE001 - JSROOT cannot read the original
                    print("--   %s:%s: JSROOT cannot read the original (%s); verify's result stands" % (
                        os.path.basename(f), t, str(e).strip()[-120:]))
                    continue
                n = dump(jsdir, back, t)
                lossy = exact = values = 0
                worst = 0.0
                parts = []  # (name, original values, output values, bound)
                unread = [x.split(":")[0] for x in o.get("notes", []) if "JSROOT gave" in x]
                if unread and "branches" in o:  # a TTree branch JSROOT cannot read in the original
                    print("--   %s:%s: JSROOT cannot read the original's %s; verify's result stands for them" % (
                        os.path.basename(f), t, ", ".join(unread)))
                for b, ov in o.get("branches", o.get("fields", {})).items():
                    if b in unread and "branches" in o:
                        continue
                    nv = n.get("branches", n.get("fields", {})).get(b)
                    if nv is None:
                        print("FAIL %s:%s: branch %s is not in the output" % (f, t, b))
                        bad += 1
                        continue
                    members = next((sorted(x[0]) for x in ov if isinstance(x, list) and x and isinstance(x[0], dict)), None)
                    if members:  # an RNTuple collection of records: each member against its column's bound
                        for m in members:
                            parts.append(("%s.%s" % (b, m), [[z[m] for z in x] for x in ov], [[z[m] for z in x] for x in nv],
                                          bounds.get((t, m))))
                    else:
                        parts.append((b, ov, nv, bounds.get((t, b))))
                for b, ov, nv, bound in parts:
                    ox, nx = list(flat(ov)), list(flat(nv))
                    if len(ox) != len(nx):
                        print("FAIL %s:%s: branch %s has %d values, originally %d" % (f, t, b, len(nx), len(ox)))
                        bad += 1
                        continue
                    lossy += bound is not None and bound > 0
                    exact += not (bound is not None and bound > 0)
                    for p, q in zip(ox, nx):
                        values += 1
                        numbers = all(isinstance(z, (int, float)) and not isinstance(z, bool) for z in (p, q))
                        if numbers and bound:  # JSON writes 1.0 as 1: a float column's value may look like an int
                            if isinstance(p, float) and isinstance(q, float) and math.isnan(p) and math.isnan(q):
                                continue
                            err = abs(p - q)
                            if not err <= bound:
                                print("FAIL %s:%s: %s: %r -> %r, error %g > bound %g" % (f, t, b, p, q, err, bound))
                                bad += 1
                                break
                            worst = max(worst, err / bound)
                        elif p != q and not (isinstance(p, float) and math.isnan(p) and isinstance(q, float) and math.isnan(q)):
                            print("FAIL %s:%s: %s: %r -> %r, should be equal" % (f, t, b, p, q))
                            bad += 1
                            break
                print("ok   %s:%s: %d branches within their bound (largest error %.3f of it), %d equal; %d values" % (
                    os.path.basename(f), t, lossy, worst, exact, values))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
