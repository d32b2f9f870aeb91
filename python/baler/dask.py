"""Many files over a dask.distributed cluster: one task per file, each running baler in a
worker (the GIL is released while it works), the results gathered into one table.

    import baler.dask
    rows = baler.dask.compress_files(glob.glob("runs/*.h5"), "compressed/", bound="rel=1e-4")
    failed = [r for r in rows if not r["ok"]]

With client=None a LocalCluster (one worker process per core, one thread each) is started for
the call and closed after it; pass any distributed.Client (dask-jobqueue on HTCondor or SLURM,
a scheduler address) to use that cluster instead. A file that fails is a row with ok=False and
its error; it does not stop the others.
"""
import os
import pathlib

import baler


def _row(path, out, fn):
    row = {"input": str(path), "output": str(out), "ok": True, "error": "", "code": "", "result": None}
    try:
        row["result"] = fn()
    except baler.Error as e:
        row.update(ok=False, error=str(e), code=e.code)
    except Exception as e:  # a worker-side failure outside baler (e.g. a lost file system)
        row.update(ok=False, error=f"{type(e).__name__}: {e}", code="internal")
    return row


def _compress_one(path, out, options):
    return _row(path, out, lambda: baler.compress_file(path, out, **options))


def _decompress_one(path, out, threads):
    return _row(path, out, lambda: baler.decompress_file(path, out, threads=threads))


def _verify_one(path, original, threads):
    def check():
        r = baler.verify(path, original, threads=threads)
        if r["violations"]:
            raise baler.BoundViolationError(f"{r['violations']} value(s) outside their bound", "bound-violation")
        return r
    return _row(path, original, check)


def _run(fn, jobs, client):
    """jobs: argument tuples for fn; the rows in the order of jobs."""
    own = None
    if client is None:
        from distributed import Client, LocalCluster
        own = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                           dashboard_address=None)
        client = Client(own)
    try:
        futures = [client.submit(fn, *job, pure=False) for job in jobs]
        return client.gather(futures)
    finally:
        if own is not None:
            client.close()
            own.close()


def _outputs(paths, out_dir, suffix):
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    outs = [out_dir / (pathlib.Path(str(p).split(":")[0]).stem + suffix) for p in paths]
    if len(set(outs)) != len(outs):
        raise baler.UsageError("two inputs share a stem, so their outputs would collide in " + str(out_dir))
    return outs


def compress_files(paths, out_dir, bound="rel=1e-3", column_bounds=None, model=None, threads=1, client=None):
    """Compresses every file into out_dir/<stem>.baler (the CLI's bytes for the same options);
    returns one row per file: input, output, ok, error, code, result (compress_file's summary)."""
    options = {"bound": bound, "column_bounds": column_bounds, "model": model, "threads": threads}
    outs = _outputs(paths, out_dir, ".baler")
    return _run(_compress_one, [(str(p), str(o), options) for p, o in zip(paths, outs)], client)


def decompress_files(paths, out_dir, ext=".npz", threads=1, client=None):
    """Decompresses every container into out_dir/<stem><ext>; one row per file."""
    outs = _outputs(paths, out_dir, ext)
    return _run(_decompress_one, [(str(p), str(o), threads) for p, o in zip(paths, outs)], client)


def verify_files(paths, originals, threads=1, client=None):
    """Checks each container against its original (paths and originals pair up); a container
    with a value outside its bound is a failed row (code "bound-violation")."""
    if len(paths) != len(originals):
        raise baler.UsageError(f"{len(paths)} containers but {len(originals)} originals")
    return _run(_verify_one, [(str(p), str(o), threads) for p, o in zip(paths, originals)], client)
