#!/usr/bin/env python3
"""Whole-process times of `certpress render` for two builds, run alternately.

usage: scripts/cli-times.py OLD_BINARY NEW_BINARY [RUNS]

Renders the Liuzhou sample to PDF, to a full PNG and to a print-pass PNG with each
binary in turn (alternating, as this machine's speed drifts) and prints the minimum and
median wall time of each. Run from the repository root.
"""
import statistics
import subprocess
import sys
import tempfile
import time

SPEC = ["specs/liuzhou/licence.ron", "--data", "specs/liuzhou/sample.json"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    binaries = {"old": sys.argv[1], "new": sys.argv[2]}
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    out = tempfile.mkdtemp(prefix="certpress-times-")
    commands = {
        "render to PDF": ["--pdf", f"{out}/t.pdf"],
        "render to PNG": ["--png", f"{out}/t.png"],
        "render to PNG, print pass": ["--png", f"{out}/t.png", "--pass", "print"],
    }
    for name, args in commands.items():
        times = {side: [] for side in binaries}
        for _ in range(runs):
            for side, binary in binaries.items():
                start = time.perf_counter()
                subprocess.run([binary, "render", *SPEC, *args], capture_output=True, check=True)
                times[side].append((time.perf_counter() - start) * 1000)
        print(name + ": " + "; ".join(
            f"{side} min {min(t):.1f} ms, median {statistics.median(t):.1f} ms"
            for side, t in times.items()))


if __name__ == "__main__":
    main()
