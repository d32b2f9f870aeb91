#!/usr/bin/python3
# Best wall time, in seconds to 0.1 ms, of N runs of a shell command (its output discarded; a
# failing run stops the benchmark). Used by bench/fields_vs_sz3.sh and bench/threads_scaling.sh.
# Usage: best_wall.py N "command"
import subprocess
import sys
import time

best = float("inf")
for _ in range(int(sys.argv[1])):
    t = time.perf_counter()
    subprocess.run(sys.argv[2], shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best = min(best, time.perf_counter() - t)
print(f"{best:.4f}")
