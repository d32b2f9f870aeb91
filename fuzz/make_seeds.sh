#!/usr/bin/env bash
# Regenerates the committed seed corpus (fuzz/corpus/) and must-fail corpus (fuzz/must_fail/)
# from small synthetic data written here and the baler tool given (a release build).
#   usage: fuzz/make_seeds.sh build/tools/baler/baler
# The root target's seeds come from the shared data at run time (scripts/fuzz.sh).
set -euo pipefail
BALER=$(realpath "${1:?usage: fuzz/make_seeds.sh path/to/baler}")
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf corpus must_fail
for t in container container_resealed model npy npz csv hdf5; do mkdir -p "corpus/$t" "must_fail/$t"; done
mkdir -p must_fail/root

# A small event table (floats with a relation, an integer and a flag column, a NaN and an inf)
# and a small 3-D float32 field, written without numpy.
python3 - "$tmp" <<'PY'
import math, struct, sys
d = sys.argv[1]
rows = []
for i in range(48):
    px = math.sin(i * 0.7) * 20.0
    py = math.cos(i * 1.3) * 15.0
    pt = math.hypot(px, py)
    e = pt * 1.5 + (i % 5)
    rows.append((px, py, pt, e, i * 3 - 40, i % 2))
rows[7] = (float("nan"),) + rows[7][1:]
rows[11] = (rows[11][0], float("inf")) + rows[11][2:]
with open(f"{d}/table.csv", "w") as f:
    f.write("px,py,pt,E,charge,flag\n")
    for r in rows:
        f.write(",".join(repr(v) if isinstance(v, float) else str(v) for v in r) + "\n")
with open(f"{d}/small.csv", "w") as f:
    f.write("a,b\n1,2.5\n3,-4e-3\n")
# field: 4 frames of 6 x 5 float32, smooth with a little structure
shape = (4, 6, 5)
vals = [math.sin(0.3 * t + 0.5 * y) * math.cos(0.4 * x) for t in range(shape[0]) for y in range(shape[1]) for x in range(shape[2])]
header = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 6, 5), }"
header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
with open(f"{d}/field.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(struct.pack(f"<{len(vals)}f", *vals))
PY

B() { "$BALER" -q "$@" > /dev/null; }
# Data files in every format baler reads (table and field).
B convert "$tmp/table.csv" -o "$tmp/table.npz"
B convert "$tmp/table.csv" -o "$tmp/table.npy"
B convert "$tmp/table.csv" -o "$tmp/table.h5"
B convert "$tmp/table.csv" -o "$tmp/table_group.h5:/events/muons"
B convert "$tmp/field.npy" -o "$tmp/field.npz"
B convert "$tmp/field.npy" -o "$tmp/field.h5"
cp "$tmp/table.csv" "$tmp/small.csv" corpus/csv/
cp "$tmp/table.npy" "$tmp/field.npy" corpus/npy/
cp "$tmp/table.npz" "$tmp/field.npz" corpus/npz/
cp "$tmp/table.h5" "$tmp/table_group.h5" "$tmp/field.h5" corpus/hdf5/

# Containers: plain table, exact and none columns, several chunks, a learned table model, fields.
B compress "$tmp/table.csv" -o "$tmp/table_abs.baler" -e abs=1e-3
B compress "$tmp/table.csv" -o "$tmp/table_mixed.baler" -e rel=1e-4 --column-bound 'pt=exact' --column-bound 'E=abs=0.5' --chunk-rows 16
B compress "$tmp/table.csv" -o "$tmp/table_learn.baler" -e rel=1e-5 --learn
B compress "$tmp/field.npy" -o "$tmp/field_rel.baler" -e rel=1e-3
B compress "$tmp/field.npy" -o "$tmp/field_exact.baler" -e exact --chunk-rows 2
# Format 1.3: a text column (TEXT section) and a bundle (an HDF5 dataset under a group).
printf 'id,label,x\n1,a,0.5\n2,"b, c",1.5\n3,,2.5\n' > "$tmp/text.csv"
B compress "$tmp/text.csv" -o "$tmp/table_text.baler" -e abs=1e-3
B compress "$tmp/table_group.h5" -o "$tmp/bundle.baler" -e abs=1e-3
for c in container container_resealed; do cp "$tmp"/*.baler "corpus/$c/"; done

# Models: a table model and a small dense autoencoder (one epoch; needs the LibTorch build).
(cd "$tmp" && B --project ws table --mode newProject --input "$tmp/table.csv" \
   && B --project ws table --mode train --set model.model_name=TableModel \
   && B --project ws field --mode newProject --input "$tmp/field.npy" \
   && B --project ws field --mode train --set model.model_name=Dense --set 'model.hidden=[8]' \
        --set model.latent_size=4 --set training.epochs=1)
find "$tmp/workspaces/ws/table" -name '*.balermodel' -exec cp {} corpus/model/table_model.balermodel \;
find "$tmp/workspaces/ws/field" -name '*.balermodel' -exec cp {} corpus/model/autoencoder.balermodel \;

# Must-fail inputs: each refused with a clear error (tests/fuzz/test_fuzz_corpus.cpp).
python3 - "$tmp" <<'PY'
import os, struct, sys
d = sys.argv[1]
def put(target, name, data):
    with open(f"must_fail/{target}/{name}", "wb") as f:
        f.write(data)
def read(p):
    with open(p, "rb") as f:
        return f.read()
table = read(f"{d}/table_abs.baler")
for t in ("container", "container_resealed"):
    put(t, "empty", b"")
    put(t, "truncated_half", table[: len(table) // 2])
    put(t, "bad_magic", b"\x89BALEX" + table[6:])
    put(t, "major_2", table[:8] + struct.pack("<H", 2) + table[10:])
    put(t, "no_end_magic", table[:-8] + b"BALERENX")
    put(t, "model_file_as_data", read("corpus/model/table_model.balermodel"))
put("container", "payload_byte_flipped", table[:40] + bytes([table[40] ^ 0x10]) + table[41:])
put("container", "table_hash_wrong", table[:-16] + bytes([table[-16] ^ 1]) + table[-15:])
model = read("corpus/model/table_model.balermodel")
put("model", "empty", b"")
put("model", "truncated", model[: len(model) - 40])
put("model", "data_container_as_model", table)
npy = read(f"{d}/field.npy")
put("npy", "empty", b"")
put("npy", "bad_magic", b"\x93NUMPX" + npy[6:])
put("npy", "truncated_data", npy[:-7])
put("npy", "huge_shape", npy.replace(b"(4, 6, 5)", b"(4000000000, 6000000, 5000)"[:9]) if False else
    npy[:10] + npy[10:].replace(b"(4, 6, 5), }", b"(9999999999999, 6, 5)}", 1))
put("npy", "object_dtype", npy[:10] + npy[10:].replace(b"'<f4'", b"'|O8'", 1))
put("npy", "header_len_past_end", npy[:8] + struct.pack("<H", 60000) + npy[10:80])
put("npz", "empty", b"")
put("npz", "not_a_zip", b"PK\x03\x04" + b"\x00" * 60)
npz = read(f"{d}/field.npz")
put("npz", "truncated", npz[: len(npz) // 2])
i = npz.find(b"NUMPY")
put("npz", "member_crc_wrong", npz[: i + 200] + bytes([npz[i + 200] ^ 0xFF]) + npz[i + 201:])
put("csv", "empty", b"")
put("csv", "text_after_quote", b"a,b\n1,\"2\"x\n")
put("csv", "ragged_row", b"a,b,c\n1,2,3\n4,5\n")
put("csv", "unterminated_quote", b"a,b\n1,\"2\n")
put("csv", "duplicate_names", b"x,y,x\n1,2,3\n")
h5 = read(f"{d}/table.h5")
put("hdf5", "empty", b"")
put("hdf5", "not_hdf5", b"\x89HDF\r\n\x1a\n" + b"\xff" * 200)
put("hdf5", "truncated", h5[: len(h5) // 3])
put("root", "empty", b"")
put("root", "magic_only", b"root" + struct.pack(">i", 62206) + b"\x00" * 40)
put("root", "bad_magic", b"toor" + b"\x00" * 100)
PY
echo "seeds: $(find corpus -type f | wc -l) files, $(du -sk corpus | cut -f1) KB;" \
     "must-fail: $(find must_fail -type f | wc -l) files, $(du -sk must_fail | cut -f1) KB"
