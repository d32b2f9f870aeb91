#!/usr/bin/python3
# Best wall time, in seconds to 0.1 ms, of N runs of a command (its output discarded; a failing
# run stops the benchmark). Used by bench/fields_vs_sz3.sh and bench/threads_scaling.sh.
# Usage: best_wall.py N "command" [PATH...]
# The PATHs are removed before each run, outside the timed part (an output that must not exist
# yet). A command without shell syntax (; & | < > $ `) runs without a shell, so that a run of a
# few ms times the tool, not sh and rm.
import os
import shlex
import subprocess
import sys
import time

n, cmd, stale = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
shell = any(c in cmd for c in ";&|<>$`")
args = cmd if shell else shlex.split(cmd)
best = float("inf")
for _ in range(n):
    for p in stale:
        if os.path.exists(p):
            os.unlink(p)
    t = time.perf_counter()
    subprocess.run(args, shell=shell, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best = min(best, time.perf_counter() - t)
print(f"{best:.4f}")
