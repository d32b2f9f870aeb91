#!/usr/bin/env python3
"""Figures for `import baler` (docs/PYTHON.md): the time of `python3 -c "import baler"` (median of
11 fresh processes, with numpy's own import alone for comparison), whether LibTorch is loaded,
and compress/decompress speed through the module on a shared table and field.

    PYTHONPATH=build/python python3 bench/bench_python.py [DATA_DIR]
"""
import os
import statistics
import subprocess
import sys
import time


def process_seconds(code):
    times = []
    for _ in range(11):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BALER_DATA_DIR", "../shared/data")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores")
    print(f"python3 -c pass:           {process_seconds('pass'):.3f} s (median of 11 processes)")
    print(f"python3 -c 'import numpy': {process_seconds('import numpy'):.3f} s")
    print(f"python3 -c 'import baler': {process_seconds('import baler'):.3f} s")
    loaded = subprocess.run([sys.executable, "-c", "import baler; print('libtorch' in open('/proc/self/maps').read())"],
                            capture_output=True, text=True, check=True).stdout.strip()
    print(f"LibTorch loaded by import baler: {loaded}")
    import numpy as np
    import baler
    z = np.load(os.path.join(data, "lhcb/LHCb_B2HHH.npz"))
    u = np.load(os.path.join(data, "cfd/CFD_animation.npz"))["data"]
    for label, a, kw in [("LHCb table", z["data"], {"names": list(z["names"])}), ("CFD_animation field", u, {})]:
        for threads in (1, os.cpu_count() or 1):
            t = time.perf_counter()
            blob = baler.compress(a, bound="rel=1e-3", threads=threads, **kw)
            tc = time.perf_counter() - t
            t = time.perf_counter()
            baler.decompress(blob, threads=threads)
            td = time.perf_counter() - t
            mb = a.nbytes / 1e6
            print(f"{label}, {threads} thread(s): {mb:.1f} MB, ratio {a.size * 4 / len(blob):.2f} "
                  "(float32 bytes / file bytes), "
                  f"compress {mb / tc:.1f} MB/s, decompress {mb / td:.1f} MB/s")


if __name__ == "__main__":
    main()
