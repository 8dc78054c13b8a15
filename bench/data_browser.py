"""How fast the Data tab's browser reacts on the full MNIST: switching split or filter, and
jumping anywhere in the scroll range.

    python bench/data_browser.py [--data PATH] [--repeat N]

Each figure is wall time from the change to the end of a synchronous repaint of the grid's
viewport (``processEvents()`` then ``viewport().repaint()``), in the window's real layout at
1280x820, offscreen. The issue's budgets: split/filter switch <= 200 ms, jump <= 100 ms.
Prints a table; never part of the test suite (timings depend on the machine and its load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

import gui  # noqa: E402,F401  (the PySide6 6.12 / Python 3.11 work-around)

SPLIT_BUDGET_MS = 200
JUMP_BUDGET_MS = 100


def fake_evaluation(labels: np.ndarray, seed: int = 0):
    """An Evaluation of the test labels with ~2% mistakes (the browser needs only its arrays)."""
    from core.evaluation import Evaluation

    rng = np.random.default_rng(seed)
    labels = labels.astype(np.int64)
    n = len(labels)
    predicted = np.where(rng.random(n) < 0.98, labels, (labels + rng.integers(1, 10, n)) % 10)
    top = rng.uniform(0.4, 0.999, n)
    probabilities = np.repeat(((1 - top) / 9)[:, None], 10, axis=1)
    probabilities[np.arange(n), predicted] = top
    return Evaluation(labels=labels, probabilities=probabilities.astype(np.float32))


def _rss_mb() -> float | None:
    """This process's resident memory in MB (Linux), or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="MNIST .npz or IDX folder (default: $MNIST_STUDIO_DATA, "
                                       "then ../shared/data/mnist.npz, then the Keras cache)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each change (default 5)")
    args = parser.parse_args()

    from core.data import load_dataset

    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
    path = args.data or os.environ.get("MNIST_STUDIO_DATA") or (str(default) if default.exists() else None)
    dataset = load_dataset(path)

    from PySide6.QtWidgets import QApplication

    from gui.data_tab import DataTab
    from gui.session import Session

    app = QApplication.instance() or QApplication([])
    session = Session()
    tab = DataTab(session)
    tab.resize(1280, 760)
    tab.show()
    session.set_dataset(dataset)
    session.set_evaluation(fake_evaluation(dataset.y_test))
    grid = tab.grid
    app.processEvents()

    def timed(action) -> float:
        start = time.perf_counter()
        action()
        app.processEvents()
        grid.viewport().repaint()
        return (time.perf_counter() - start) * 1000

    def combo(widget, data):
        return lambda: widget.setCurrentIndex(widget.findData(data))

    results: list[tuple[str, list[float], int]] = []

    def measure(name: str, actions, budget: int) -> None:
        times = [timed(action) for _ in range(args.repeat) for action in actions]
        results.append((name, times, budget))

    # The first visit of a split also computes its summary (class counts and mean images).
    tab.set_split("test")
    app.processEvents()
    tab._summaries.clear()  # forget the cached summaries, so the first switch computes one
    cold = timed(combo(tab.split_combo, "train"))
    results.append(("split test -> train, first time (summary computed)", [cold], SPLIT_BUDGET_MS))
    measure("split train <-> test (60,000 / 10,000 images)",
            [combo(tab.split_combo, "test"), combo(tab.split_combo, "train")], SPLIT_BUDGET_MS)
    tab.set_split("train")
    measure("digit filter on 60,000: all -> 7 -> all",
            [combo(tab.digit_combo, 7), combo(tab.digit_combo, None)], SPLIT_BUDGET_MS)
    measure("digit filter on 60,000: 0 -> 1 -> ... -> 9",
            [combo(tab.digit_combo, d) for d in range(10)], SPLIT_BUDGET_MS)
    tab.digit_combo.setCurrentIndex(0)
    tab.set_split("test")
    measure("mistakes only on/off (test set, sorted by confidence)",
            [lambda: tab.mistakes_check.setChecked(True), lambda: tab.mistakes_check.setChecked(False)],
            SPLIT_BUDGET_MS)
    tab.set_split("train")
    app.processEvents()
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 60_000, 10 * args.repeat)
    jumps = [timed(lambda i=int(i): grid.scroll_to_image(i)) for i in targets]
    results.append(("jump to a random image of 60,000 + repaint", jumps, JUMP_BUDGET_MS))
    scrollbar = grid.verticalScrollBar()
    positions = rng.integers(0, scrollbar.maximum() + 1, 10 * args.repeat)
    drags = [timed(lambda p=int(p): scrollbar.setValue(p)) for p in positions]
    results.append(("scroll bar dragged anywhere + repaint", drags, JUMP_BUDGET_MS))

    # Memory while scrolling through every row: the thumbnail cache is bounded, so it stays flat.
    before = _rss_mb()
    for value in np.linspace(0, scrollbar.maximum(), 300).astype(int):
        scrollbar.setValue(int(value))
        app.processEvents()
        grid.viewport().repaint()
    after = _rss_mb()

    print(f"Data browser on {dataset.sizes['train']:,} + {dataset.sizes['test']:,} images "
          f"({dataset.source}); {grid.thumbnail_size}px thumbnails, viewport "
          f"{grid.viewport().width()}x{grid.viewport().height()}")
    print(f"{'change':58} {'median':>8} {'max':>8} {'budget':>8}")
    worst_ratio = 0.0
    for name, times, budget in results:
        median, worst = statistics.median(times), max(times)
        worst_ratio = max(worst_ratio, median / budget)
        flag = "" if median <= budget else "  OVER"
        print(f"{name:58} {median:6.1f}ms {worst:6.1f}ms {budget:6d}ms{flag}")
    if before is not None:
        print(f"memory: {before:.0f} MB before, {after:.0f} MB after scrolling top to bottom through "
              f"{grid.model().rowCount():,} rows in 300 steps ({after - before:+.0f} MB; thumbnail "
              f"cache capped at {grid.itemDelegate().CACHE_BYTES / 2**20:.0f} MB)")
    print("Medians within budget." if worst_ratio <= 1 else "Some medians over budget (a loaded machine?).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
