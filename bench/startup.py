"""How long from launching the program until the window is on screen.

Starts a fresh Python process that builds and shows the real MainWindow (offscreen) the way
``python main.py`` does, and prints the time from launch to the window being shown, and to
TensorFlow being ready (it is imported in the background, after the window is up).

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time
launched = float(sys.argv[1])
sys.path.insert(0, sys.argv[2])
from gui.app import create_application
app = create_application()
from gui.main_window import MainWindow
window = MainWindow()
window.show()
app.processEvents()
shown = time.time() - launched
window.session.tensorflowReady.connect(lambda: (print(f"STARTUP {shown:.3f} {time.time() - launched:.3f}"), app.quit()))
app.exec()
window._closing_confirmed = True
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    # A fresh settings folder, so no earlier session's state changes what starts.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=tempfile.mkdtemp())
    shown, ready = [], []
    for run in range(args.runs):
        done = subprocess.run([sys.executable, "-c", CHILD, repr(time.time()), str(REPO)],
                              capture_output=True, text=True, env=env, timeout=120)
        line = next(line for line in done.stdout.splitlines() if line.startswith("STARTUP"))
        first, second = map(float, line.split()[1:])
        shown.append(first)
        ready.append(second)
        print(f"run {run + 1}: window shown after {first:.2f} s, TensorFlow ready after {second:.2f} s")
    print(f"median: window shown {statistics.median(shown):.2f} s after launch "
          f"(TensorFlow ready after {statistics.median(ready):.2f} s)")


if __name__ == "__main__":
    main()
