"""Peak memory (RSS) of a full training run from the command line.

Runs ``main.py train`` on all 60,000 training images for one epoch in a child process and
prints the child's peak resident set size.

    python bench/memory_peak.py [--data PATH] [--epochs 1]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, str(REPO / "main.py"), "train", "--epochs", str(args.epochs),
                   "--out", str(Path(folder) / "m.h5"), "--json"]
        if args.data:
            command += ["--data", args.data]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            sys.exit(done.stderr.strip().splitlines()[-1])
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    print(done.stdout.strip().splitlines()[-2])
    print(f"peak RSS of a full 60,000-image training run ({args.epochs} epoch): {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
