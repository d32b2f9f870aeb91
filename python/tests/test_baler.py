"""`import baler`: round trips within the bound on the shared tables and fields, the same bytes
as the command line, every input kind, and errors as baler.Error subclasses."""
import subprocess
import sys

import numpy as np
import pytest

import baler


def shared_arrays(data_dir):
    """(label, array, names) for every shared table and field."""
    out = []
    z = np.load(data_dir / "lhcb/LHCb_B2HHH.npz")
    out.append(("lhcb", z["data"], list(z["names"])))
    for f in ["cfd/CFD_animation.npz", "cfd/CFD_still.npz"]:
        out.append((f, np.load(data_dir / f)["data"], None))
    for f in ["cms/Zmumu_Run2011A.npy", "cms/nanoAOD_ttbar_Jets_flattened.npy", "root/HZZ_events_flat.npy",
              "root/Zmumu_events_flat.npy"]:
        out.append((f, np.load(data_dir / f), None))
    for f in ["fields/" + p.name for p in sorted((data_dir / "fields").glob("*.npy"))]:
        out.append((f, np.load(data_dir / f), None))
    return out


def check_within(orig, back, rel, what):
    """Each column (a table's) or the whole array (a field) within rel x its finite range;
    NaN and infinities where they were; integer-valued columns exact."""
    assert back.dtype == orig.dtype and back.shape == orig.shape, what
    table = orig.ndim == 2 and orig.shape[1] <= 256  # compress's rule: a table's bound is per column
    cols = [orig[:, j] for j in range(orig.shape[1])] if table else [orig.reshape(-1)]
    bcols = [back[:, j] for j in range(back.shape[1])] if table else [back.reshape(-1)]
    for j, (x, y) in enumerate(zip(cols, bcols)):
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        finite = np.isfinite(x64)
        assert np.array_equal(np.isnan(x64), np.isnan(y64)), f"{what} column {j}: NaN moved"
        assert np.array_equal(x64[~finite & ~np.isnan(x64)], y64[~finite & ~np.isnan(x64)]), f"{what} column {j}: inf"
        if not finite.any():
            continue
        span = x64[finite].max() - x64[finite].min()
        err = np.abs(x64[finite] - y64[finite]).max()
        assert err <= rel * span, f"{what} column {j}: error {err} > {rel * span}"


def test_import_loads_no_libtorch():
    code = "import baler, sys; maps = open('/proc/self/maps').read(); sys.exit('libtorch' in maps)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_shared_data_round_trip_within_the_bound(data_dir):
    for label, a, names in shared_arrays(data_dir):
        blob = baler.compress(a, bound="rel=1e-3", names=names, threads=2)
        back = baler.decompress(blob)
        assert isinstance(back, np.ndarray), label
        check_within(a, back, 1e-3, label)


def test_bytes_equal_the_command_line(data_dir, baler_bin, tmp_path):
    """Every shared table and field, from numpy, gives the CLI's container for its file."""
    cases = []
    for f in ["lhcb/LHCb_B2HHH.npz", "cfd/CFD_animation.npz", "cfd/CFD_still.npz"]:
        z = np.load(data_dir / f)
        names = [str(n) for n in z["names"]] if z["data"].ndim == 2 and len(z["names"]) else None
        cases.append((f, z["data"], names, "npz"))
    for f in ["cms/Zmumu_Run2011A.npy", "cms/nanoAOD_ttbar_Jets_flattened.npy", "root/HZZ_events_flat.npy",
              "root/Zmumu_events_flat.npy", "fields/vorticity.128_128_41.npy", "fields/vorticity.512_512.npy"]:
        side = (data_dir / f).with_suffix(".names.txt")
        names = [l.rstrip("\n") for l in open(side)] if side.exists() else None
        cases.append((f, np.load(data_dir / f), names, "npy"))
    for src, data, names, fmt in cases:
        out = tmp_path / "cli.baler"
        subprocess.run([baler_bin, "compress", str(data_dir / src), "-o", str(out), "-e", "rel=1e-3", "-q"], check=True)
        blob = baler.compress(data, bound="rel=1e-3", names=names, name=src.split("/")[1], source_format=fmt)
        assert blob == out.read_bytes(), src


def test_every_input_kind_comes_back_as_it_went_in():
    rng = np.random.default_rng(3)
    cols = {"pt": rng.exponential(20, 500).astype(np.float32), "n": rng.integers(0, 5, 500).astype(np.int16),
            "tag": np.array(["b", "light, q", ""] * 166 + ["c", "c"])}
    back = baler.decompress(baler.compress(cols, bound="abs=0.01"))
    assert list(back) == ["pt", "n", "tag"]
    assert back["n"].dtype == np.int16 and np.array_equal(back["n"], cols["n"])
    assert np.abs(back["pt"] - cols["pt"]).max() <= 0.01
    assert list(back["tag"]) == list(cols["tag"])
    rec = np.zeros(300, dtype=[("x", "<f8"), ("ok", "?"), ("name", "U8")])
    rec["x"] = rng.normal(size=300)
    rec["ok"] = rng.integers(0, 2, 300).astype(bool)
    rec["name"] = ["mu"] * 300
    back = baler.decompress(baler.compress(rec, bound="exact"))
    assert back.dtype.names == ("x", "ok", "name") and np.array_equal(back["x"], rec["x"])
    assert np.array_equal(back["ok"], rec["ok"]) and list(back["name"]) == list(rec["name"])
    one = rng.normal(size=1000)
    back = baler.decompress(baler.compress(one, bound="abs=1e-6"))
    assert back.shape == one.shape and np.abs(back - one).max() <= 1e-6
    field = rng.normal(size=(6, 20, 20)).astype(np.float32)
    assert baler.decompress(baler.compress(field, bound="exact")).tobytes() == field.tobytes()
    # Non-contiguous and big-endian arrays are copied into shape, not refused.
    wide = rng.normal(size=(50, 8))
    back = baler.decompress(baler.compress(wide[:, ::2].astype(">f8"), bound="exact"))
    assert np.array_equal(back, wide[:, ::2])


def test_empty_inputs_round_trip():
    back = baler.decompress(baler.compress({"x": np.zeros(0), "n": np.zeros(0, dtype=np.int8)}))
    assert back["x"].shape == (0,) and back["n"].dtype == np.int8
    field = np.zeros((0, 4, 4), dtype=np.float32)
    assert baler.decompress(baler.compress(field)).shape == (0, 4, 4)


def test_nan_only_and_special_values_are_kept():
    cols = {"nan": np.full(100, np.nan), "x": np.r_[np.inf, -np.inf, np.arange(98.0)]}
    back = baler.decompress(baler.compress(cols))
    assert np.isnan(back["nan"]).all()
    assert back["x"][0] == np.inf and back["x"][1] == -np.inf


def test_bad_input_raises_baler_errors_with_their_code():
    with pytest.raises(baler.UnsupportedError) as e:
        baler.compress(np.array([object(), object()]))
    assert e.value.code == "unsupported"
    with pytest.raises(baler.UnsupportedError):
        baler.compress(np.ones(10, dtype=np.complex64))
    with pytest.raises(baler.ConfigError) as e:
        baler.compress(np.ones(10), bound="rell=1e-3")
    assert "rell=1e-3" in str(e.value) and isinstance(e.value, baler.Error)
    with pytest.raises(baler.UsageError):
        baler.compress({"a": np.ones(3), "b": np.ones((3, 2))})
    with pytest.raises(baler.UsageError):
        baler.compress(np.ones(10), bound=1e-3)
    with pytest.raises(baler.UsageError):
        baler.compress({"x": np.ones(10)}, column_bounds={"y": "abs=1"})
    with pytest.raises(baler.Error) as e:
        baler.decompress(b"not a container at all, just some bytes here")
    assert e.value.code in ("malformed", "corrupt")
    blob = bytearray(baler.compress(np.arange(1000.0)))
    blob[40] ^= 0xFF
    with pytest.raises(baler.CorruptError):
        baler.decompress(bytes(blob))


def test_files_info_verify_and_train(data_dir, tmp_path, baler_bin, monkeypatch):
    src = data_dir / "lhcb/LHCb_B2HHH.npz"
    s = baler.compress_file(src, tmp_path / "l.baler", bound="rel=1e-3")
    assert s["file_bytes"] == (tmp_path / "l.baler").stat().st_size and s["ratio"] > 3
    assert "LHCb_B2HHH.npz" in baler.info(tmp_path / "l.baler")
    assert baler.verify(tmp_path / "l.baler", src)["violations"] == 0
    baler.decompress_file(tmp_path / "l.baler", tmp_path / "back.npz")
    back = np.load(tmp_path / "back.npz")
    check_within(np.load(src)["data"], back["data"], 1e-3, "lhcb file")
    with pytest.raises(baler.IoError):
        baler.compress_file(tmp_path / "missing.npz", tmp_path / "m.baler")
    monkeypatch.setenv("BALER_BIN", baler_bin)
    model = baler.train(data_dir / "cms/Zmumu_Run2011A.csv", project=("ws", "p"), cwd=tmp_path,
                        settings={"training.epochs": 1})
    assert model == str(tmp_path / "workspaces/ws/p/output/training/model.balermodel")
    assert (tmp_path / "workspaces/ws/p/output/training/model.balermodel").exists()
    (tmp_path / "c.toml").write_text(f'[data]\ninput_path = "{data_dir / "lhcb/LHCb_B2HHH.npz"}"\n')
    model = baler.train(config=tmp_path / "c.toml", output="lhcb", cwd=tmp_path)
    assert model == str(tmp_path / "lhcb/model.balermodel") and (tmp_path / "lhcb/model.balermodel").exists()
    # From arrays: the table model trained on them serves compress.
    rng = np.random.default_rng(5)
    x = rng.normal(size=3000)
    cols = {"x": x, "y": 2 * x + rng.normal(scale=0.01, size=3000)}
    model = baler.train(data=cols, cwd=tmp_path, settings={"model.model_name": "TableModel"})
    back = baler.decompress(baler.compress(cols, bound="abs=1e-3", model=model))
    assert np.abs(back["y"] - cols["y"]).max() <= 1e-3
    with pytest.raises(baler.Error) as e:
        baler.train(project=("ws", "p"), settings={"no.such": 1}, cwd=tmp_path)
    assert e.value.code in ("config", "usage") and "no.such" in str(e.value)


def test_whole_root_and_hdf5_files_become_bundles(data_dir, tmp_path):
    """A ROOT file compresses whole (every collection) and comes back as ROOT, npz and h5 with
    one group per collection, as on the command line; the command line reads it back equal."""
    import h5py
    src = data_dir / "root/uproot-HZZ.root"
    s = baler.compress_file(src, tmp_path / "hzz.baler", bound="exact")
    assert any(c["name"] == "/events/NJet:Jet_Px" for c in s["columns"])
    baler.decompress_file(tmp_path / "hzz.baler", tmp_path / "back.npz")
    back = np.load(tmp_path / "back.npz")
    assert back["events/NJet/Jet_Px"].dtype == np.float32
    assert back["events/NJet/Jet_Px"].size == back["events/entries/NJet"].sum()
    baler.decompress_file(tmp_path / "hzz.baler", tmp_path / "back.h5")
    with h5py.File(tmp_path / "back.h5") as f:
        assert sorted(f["events"]) == ["NElectron", "NJet", "NMuon", "NPhoton", "entries"]
        assert list(f["events"].attrs["ROOT.leaves"][:2]) == ["NJet/I", "Jet_Px[NJet]/F"]
    baler.decompress_file(tmp_path / "hzz.baler", tmp_path / "back.root")
    # Exact: the written tree's tables equal the original's, read by the same reader.
    baler.compress_file(tmp_path / "back.root", tmp_path / "again.baler", bound="exact")
    baler.decompress_file(tmp_path / "again.baler", tmp_path / "again.npz")
    again = np.load(tmp_path / "again.npz")
    assert sorted(again.files) == sorted(back.files)
    for k in back.files:
        if "ROOT." in k:  # the stored tree and its baskets sit at other places in the written file
            continue
        assert np.array_equal(back[k], again[k]), k
    with pytest.raises(baler.UsageError):
        baler.decompress_file(tmp_path / "hzz.baler", tmp_path / "back.csv")
