"""baler: compress scientific data with error bounds that hold.

    import numpy as np, baler
    blob = baler.compress(np.load("events.npy"), bound="rel=1e-3")
    back = baler.decompress(blob)            # same shape and dtype, every value within its bound

Arrays, structured (record) arrays and dicts of columns go in; the same kind comes back.
Errors are baler.Error subclasses carrying the stable code the command line exits with
(docs/CLI.md "Exit statuses"). Importing baler loads no LibTorch: training runs the `baler`
tool in another process.
"""
import os
import shutil
import subprocess

import numpy as np

from . import _baler

__all__ = ["compress", "decompress", "compress_file", "decompress_file", "info", "verify", "train",
           "Error"]


class Error(Exception):
    """A baler error; `code` is its stable name ("usage", "malformed", ...)."""

    code = "internal"

    def __init__(self, message, code=None):
        super().__init__(message)
        if code is not None:
            self.code = code


def _error_class(code):
    # "model-mismatch" -> ModelMismatchError; "not-implemented" -> NotBuiltError (not Python's own).
    name = "NotBuilt" if code == "not-implemented" else "".join(p.capitalize() for p in code.split("-"))
    return type(name + "Error", (Error,), {"code": code, "__module__": __name__})


# One subclass per code, e.g. baler.MalformedError (code "malformed"), baler.UsageError.
_CODES = ["internal", "usage", "config", "io", "malformed", "unsupported", "limit", "corrupt",
          "model-mismatch", "bound-violation", "not-implemented"]
_CLASSES = {c: _error_class(c) for c in _CODES}
globals().update({cls.__name__: cls for cls in _CLASSES.values()})
__all__ += [cls.__name__ for cls in _CLASSES.values()]


def _call(fn, *args):
    try:
        return fn(*args)
    except _baler.NativeError as e:
        code, message = e.args
        raise _CLASSES.get(code, Error)(message, code) from None


def _native(a, what):
    """a as a C-contiguous array in this machine's byte order (one copy at most)."""
    a = np.asarray(a)
    if a.dtype.kind == "O":
        raise UnsupportedError(f"{what}: object arrays hold Python objects, not numbers or text; "
                               "convert them to a numeric or str dtype")
    if a.dtype.kind not in "biuf":
        raise UnsupportedError(f"{what}: dtype {a.dtype} is not one baler stores "
                               "(bool, int8..64, uint8..64, float16/32/64)")
    return np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("="))


def _options(bound, column_bounds, model, threads, chunk_rows, learn, name, source_format):
    if bound is not None and not isinstance(bound, str):
        raise UsageError(f"bound is text such as 'rel=1e-3', 'abs=0.01' or 'exact', not {bound!r}")
    return {"bound": bound, "column_bounds": dict(column_bounds or {}), "model": None if model is None else os.fspath(model),
            "threads": int(threads), "chunk_rows": chunk_rows, "learn": bool(learn), "source_name": name,
            "source_format": source_format}


def _text(values, what):
    out = []
    for v in values:
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        if not isinstance(v, str):
            raise UnsupportedError(f"{what}: a text column holds {type(v).__name__} values, not str")
        out.append(v)
    return out


def compress(data, bound="rel=1e-3", column_bounds=None, model=None, threads=1, chunk_rows=None,
             learn=False, kind="auto", names=None, name="array", source_format=None):
    """Compresses `data` into the bytes of one .baler container.

    data: an ndarray (ndim >= 3: a field; ndim 2: a table of its columns, col0.., when it has
    at most 256 columns, else a field; ndim 1: a table of one column), a 1-D structured array
    (a table, one column per field, str fields as text columns) or a dict of equal-length 1-D
    columns (str arrays as text). kind="table" or "field" forces the choice for an ndarray.
    bound: the default bound ("rel=1e-3", "abs=0.01", "pw_rel=1e-4", "exact", "none");
    column_bounds: {name or glob: bound}; model: a .balermodel file; threads: output does not
    depend on it; names: the column names of a 2-D table (else col0, col1, ...). name and source_format are recorded as the CLI records the input file's
    (a container made from x.npy by the CLI has name "x.npy", format "npy").
    """
    opts = _options(bound, column_bounds, model, threads, chunk_rows, learn, name, source_format)
    if isinstance(data, dict):
        if not data:
            raise UsageError("a dict of columns needs at least one column")
        names, arrays, text = [], [], []
        for pos, (key, col) in enumerate(data.items()):
            col = np.asarray(col)
            if col.ndim != 1:
                raise UsageError(f"column '{key}' has shape {col.shape}; columns are 1-D")
            if col.dtype.kind in "US":
                text.append((str(key), pos, _text(col.tolist(), f"column '{key}'")))
            else:
                names.append(str(key))
                arrays.append(_native(col, f"column '{key}'"))
        opts["source_format"] = opts["source_format"] or "npz"
        return _call(_baler.compress_table, names, arrays, text, False, opts)
    a = np.asarray(data)
    if a.dtype.names:
        if a.ndim != 1:
            raise UsageError(f"a structured array of shape {a.shape}: baler reads 1-D record arrays as tables")
        names, arrays, text = [], [], []
        for pos, field in enumerate(a.dtype.names):
            col = a[field]
            if col.dtype.kind in "US":
                text.append((field, pos, _text(col.tolist(), f"field '{field}'")))
            else:
                names.append(field)
                arrays.append(_native(col, f"field '{field}'"))
        opts["source_format"] = opts["source_format"] or "npy"
        return _call(_baler.compress_table, names, arrays, text, False, opts)
    a = _native(a, "array")
    if kind not in ("auto", "table", "field"):
        raise UsageError(f"kind is auto, table or field, not {kind!r}")
    opts["source_format"] = opts["source_format"] or "npy"
    as_field = kind == "field" or (kind == "auto" and (a.ndim >= 3 or (a.ndim == 2 and a.shape[1] > 256)))
    if as_field or a.ndim == 0:
        return _call(_baler.compress_field, a, opts)
    if a.ndim == 1:
        return _call(_baler.compress_table, ["col0"], [a], [], False, opts)
    if a.ndim != 2:
        raise UsageError(f"an array of shape {a.shape} is a field, not a table")
    names = [str(n) for n in names] if names is not None else [f"col{j}" for j in range(a.shape[1])]
    if len(names) != a.shape[1]:
        raise UsageError(f"{len(names)} names for {a.shape[1]} columns")
    return _call(_baler.compress_table, names, [a], [], True, opts)  # columns read in place


def decompress(blob, model=None, threads=1):
    """The data of a container's bytes, in the kind it went in as: an ndarray (a field, or a
    table from one 2-D array), a structured array (a table from a record array or a file) or a
    dict of columns (a table from a dict); text columns as numpy str arrays."""
    if not isinstance(blob, (bytes, bytearray, memoryview)):
        raise UsageError(f"decompress takes the bytes compress returned, not {type(blob).__name__}")
    d = _call(_baler.decompress, bytes(blob), None if model is None else os.fspath(model), int(threads))
    if d["kind"] == "field":
        return d["field"]
    columns = [(name, values) for name, values in d["columns"]]
    for name, pos, values in d["text"]:
        columns.insert(pos, (name, np.array(values, dtype=str)))
    if d["from_matrix"]:
        return np.stack([v for _, v in columns], axis=1) if columns else np.empty((0, 0))
    if d["source_format"] == "npy" and d["source_name"] == "array" and len(columns) == 1:
        return columns[0][1]  # a 1-D array went in
    if d["source_format"] == "npz":
        return dict(columns)
    rec = np.empty(len(columns[0][1]) if columns else 0, dtype=[(n, v.dtype) for n, v in columns])
    for n, v in columns:
        rec[n] = v
    return rec


def compress_file(path, out, bound="rel=1e-3", column_bounds=None, model=None, threads=1, chunk_rows=None,
                  learn=False):
    """Compresses a data file (npy, npz, csv, h5, root; "f.h5:/ds" names one object) into
    `out`, as `baler compress` does; returns the summary (sizes, ratio, per-column bounds).
    An HDF5 file of several datasets and a ROOT file (every tree, every jagged collection)
    become one bundle, as on the command line."""
    opts = _options(bound, column_bounds, model, threads, chunk_rows, learn, None, None)
    return _call(_baler.compress_file, os.fspath(path), os.fspath(out), opts)


def decompress_file(path, out, threads=1):
    """Writes the data of container `path` ("x.baler:/ds" names one data set of a bundle) to
    `out` (.npz, .npy, .csv, .h5), as `baler decompress` does; a whole bundle goes to .h5 or
    .npz (one group per data set), and one made from a ROOT file to .root too."""
    _call(_baler.decompress_file, os.fspath(path), os.fspath(out), int(threads))


def info(path):
    """The text `baler info` prints for a container."""
    return _call(_baler.info, os.fspath(path))


def verify(container, original, threads=1):
    """Checks every value of `container` against `original` (a data file) and its bound;
    returns {"violations": n, "columns": [...]} (n = 0 when every bound holds)."""
    return _call(_baler.verify, os.fspath(container), os.fspath(original), int(threads))


def _register_numcodecs():
    """baler's numcodecs codec, registered at once when numcodecs is already loaded (importing
    it here would triple import baler's time); otherwise numcodecs finds it through the
    `numcodecs.codecs` entry point (build/python/baler-*.dist-info) when a config names it."""
    import sys
    if "numcodecs" in sys.modules:
        from . import numcodecs  # noqa: F401  (registers the codec)


_register_numcodecs()


def _tool():
    here = os.environ.get("BALER_BIN") or shutil.which("baler")
    if not here:
        raise IoError("the baler tool was not found: put it on PATH or set BALER_BIN")
    return here


def train(input_path=None, data=None, config=None, settings=None, output="training", project=None, cwd=None):
    """Trains a model as `baler train` does, in another process (LibTorch stays out of this
    one), and returns the path of the model file (model.balermodel).

    The data: input_path (a data file), or data (an ndarray, structured array or dict of
    columns, saved first as baler_input.npy / .npz in cwd), or the config's data.input_path.
    config: a TOML file (docs/CONFIG.md); settings: {"training.epochs": 5, ...} overrides.
    The model goes to `output` (a folder, relative to cwd). With project=("WS", "P") the
    project form runs instead (`--project WS P --mode train`, after `--mode newProject` when
    there is data), as Baler users know it; the model is then the project's. Raises baler.Error
    with the tool's code when it fails."""
    cwd = os.fspath(cwd) if cwd is not None else os.getcwd()
    if data is not None:
        if input_path is not None:
            raise UsageError("give input_path or data, not both")
        if isinstance(data, dict):
            input_path = os.path.join(cwd, "baler_input.npz")
            np.savez(input_path, names=np.array(list(data)), **{k: np.asarray(v) for k, v in data.items()})
        else:
            input_path = os.path.join(cwd, "baler_input.npy")
            np.save(input_path, np.asarray(data))
    sets = []
    for k, v in (settings or {}).items():
        sets += ["--set", f"{k}={v}"]
    if project is not None:
        workspace, name = project
        steps = [["--project", workspace, name, "--mode", "newProject", "--input", os.fspath(input_path)]] if input_path else []
        if config is not None:
            raise UsageError("a project has its own config: change it with settings")
        steps.append(["--project", workspace, name, "--mode", "train"] + sets)
        model = os.path.join(cwd, "workspaces", workspace, name, "output", "training", "model.balermodel")
    else:
        args = ["train", "--output", os.fspath(output)] + sets
        if input_path is not None:
            args += ["--input", os.fspath(input_path)]
        if config is not None:
            args += ["--config", os.fspath(config)]
        steps = [args]
        model = os.path.join(cwd, os.fspath(output), "model.balermodel")
    for step in steps:
        r = subprocess.run([_tool()] + step, cwd=cwd, capture_output=True, text=True)
        if r.returncode != 0:
            code = _CODES[r.returncode - 1] if 1 <= r.returncode <= len(_CODES) else "internal"
            raise _CLASSES[code](r.stderr.strip() or f"baler exited with {r.returncode}", code)
    return model
