"""baler.dask over a LocalCluster of 2 workers: 16 files give the CLI's containers byte for
byte, and a corrupt input is a failed row while the rest succeed."""
import shutil
import subprocess

import numpy as np

import baler
import baler.dask


def test_compress_files_on_a_local_cluster(data_dir, baler_bin, tmp_path):
    from distributed import Client, LocalCluster
    src = np.load(data_dir / "lhcb/LHCb_B2HHH.npz")
    inputs = []
    for k in range(16):
        p = tmp_path / f"run{k:02d}.npy"
        np.save(p, src["data"][k * 200:(k + 1) * 200 + 50])
        inputs.append(p)
    bad = tmp_path / "run99.npy"
    bad.write_bytes(b"\x93NUMPY\x01\x00 this is not a header")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        rows = baler.dask.compress_files(inputs + [bad], tmp_path / "out", bound="rel=1e-4", client=client)
        assert [r["ok"] for r in rows] == [True] * 16 + [False]
        assert rows[-1]["code"] == "malformed" and "run99.npy" in rows[-1]["error"]
        for p, r in zip(inputs, rows):
            cli = tmp_path / "cli.baler"
            subprocess.run([baler_bin, "compress", str(p), "-o", str(cli), "-e", "rel=1e-4", "-q"], check=True)
            assert (tmp_path / "out" / (p.stem + ".baler")).read_bytes() == cli.read_bytes(), p
            assert r["result"]["file_bytes"] == cli.stat().st_size
        containers = [tmp_path / "out" / (p.stem + ".baler") for p in inputs]
        back = baler.dask.decompress_files(containers, tmp_path / "back", ext=".npy", client=client)
        assert all(r["ok"] for r in back)
        checked = baler.dask.verify_files(containers, inputs, client=client)
        assert all(r["ok"] for r in checked)
        shutil.copy(inputs[1], tmp_path / "other.npy")  # another file's data: violations
        wrong = baler.dask.verify_files(containers[:1], [tmp_path / "other.npy"], client=client)
        assert not wrong[0]["ok"] and wrong[0]["code"] in ("bound-violation", "malformed")


def test_default_cluster_is_started_and_closed(tmp_path):
    for k in range(3):
        np.save(tmp_path / f"f{k}.npy", np.arange(100.0 * (k + 1)))
    rows = baler.dask.compress_files([tmp_path / f"f{k}.npy" for k in range(3)], tmp_path / "out", bound="exact")
    assert [r["ok"] for r in rows] == [True] * 3
    again = baler.dask.compress_files([tmp_path / "f0.npy", tmp_path / "sub/missing.npy"], tmp_path / "o2")
    assert [r["ok"] for r in again] == [True, False] and again[1]["code"] == "io"
