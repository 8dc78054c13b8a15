"""From the end of a stroke to the updated prediction, on the Draw tab's real canvas.

Opens the real main window offscreen (1280x820, Draw tab current) with the tutorial's CNN
(the shipped ``models/mnist_cnn.h5``; without it an untrained tutorial CNN -- the same cost),
draws handwriting-like digits with QTest mouse events (press, moves ~8 ms apart with the event
loop running between them so live predictions happen as they do for a person, release), and
times each release until the tab announces the new prediction (``predictionUpdated``) -- the
digit, confidence, top three and bar chart set -- and until the window has also repainted.

    python bench/draw_latency.py               # 30 digits
    python bench/draw_latency.py --digits 60 --model other.h5

Prints the median and 90th percentile in milliseconds, and what the time is made of: the
preprocessing (``core.preprocess.preprocess_digit``) and the one model call that returns the
probabilities and the feature maps, next to what ``model.predict`` costs for one image.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402


def _pump(app, seconds: float) -> None:
    """Run the event loop for ``seconds`` (sleeping between turns so worker threads get the GIL)."""
    end = time.perf_counter() + seconds
    while True:
        app.processEvents()
        left = end - time.perf_counter()
        if left <= 0:
            return
        time.sleep(min(0.002, left))


def _wait(app, condition, timeout: float = 120.0) -> None:
    end = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > end:
            raise TimeoutError("timed out")
        _pump(app, 0.02)


def _private_settings() -> None:
    """Keep the window's settings (geometry, tab, pen width) in a temporary folder, not the user's."""
    import tempfile

    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp(prefix="draw-bench-settings-"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "mnist_cnn.h5"))
    parser.add_argument("--digits", type=int, default=30)
    parser.add_argument("--move-ms", type=float, default=8.0, help="time between mouse samples")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    from gui.app import create_application

    app = create_application(["draw_latency"])
    _private_settings()
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.warning = staticmethod(lambda *a, **k: print("warning:", a[1:3], file=sys.stderr))
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    import gui.draw_tab as draw_tab_module
    from core.model_io import build_model, check_model, load_model
    from core.spec import tutorial_cnn
    from core.synthetic_digits import sample_set
    from gui.main_window import MainWindow

    window = MainWindow(load_defaults=False)
    window._closing_confirmed = True
    window.resize(1280, 820)
    window.show()
    window.tabs.setCurrentWidget(window.draw_tab)
    _wait(app, lambda: window.session.tensorflow_ready)
    if Path(args.model).exists():
        loaded = load_model(args.model)
        source = args.model
    else:
        loaded = check_model(build_model(tutorial_cnn()))
        source = "an untrained tutorial CNN (no model file found; the cost is the same)"
    tab = window.draw_tab
    window.session.set_model(loaded)
    _wait(app, lambda: tab.predictor is not None)
    pad = tab.pad
    _pump(app, 0.2)

    # What the time is made of: wrap the two steps (same functions, timed).
    parts = {"preprocess": [], "model call": []}
    real_preprocess = draw_tab_module.preprocess_digit

    def timed_preprocess(array):
        t = time.perf_counter()
        try:
            return real_preprocess(array)
        finally:
            parts["preprocess"].append(time.perf_counter() - t)

    draw_tab_module.preprocess_digit = timed_preprocess
    predictor = tab.predictor
    real_call = predictor._call

    def timed_call(x):
        t = time.perf_counter()
        out = real_call(x)
        out = [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]
        parts["model call"].append(time.perf_counter() - t)
        return out

    predictor._call = timed_call

    announced: list[float] = []
    tab.predictionUpdated.connect(lambda _p: announced.append(time.perf_counter()))

    to_prediction, to_repaint, live_counts = [], [], []
    digits = sample_set(max(1, args.digits // 10 + 1), args.seed)[: args.digits]
    rng = np.random.default_rng(args.seed)
    for digit in digits:
        pad.clear()
        _pump(app, 0.01)
        side = rng.uniform(0.5, 0.75) * 280
        x0, y0 = rng.uniform(10, 270 - side, size=2)
        for stroke in digit.strokes:
            points = []
            for u, v in stroke:
                p = pad.to_widget(x0 + u * side, y0 + v * side)
                q = QPoint(round(p.x()), round(p.y()))
                if not points or q != points[-1]:
                    points.append(q)
            announced.clear()
            QTest.mousePress(pad, Qt.LeftButton, Qt.NoModifier, points[0])
            for q in points[1:]:
                _pump(app, args.move_ms / 1000)
                QTest.mouseMove(pad, q)
            _pump(app, args.move_ms / 1000)
            live_counts.append(len(announced))
            announced.clear()
            start = time.perf_counter()
            QTest.mouseRelease(pad, Qt.LeftButton, Qt.NoModifier, points[-1])
            app.processEvents()  # the repaint of the new prediction (and anything else queued)
            repainted = time.perf_counter()
            if announced:
                to_prediction.append(announced[0] - start)
                to_repaint.append(repainted - start)

    ms = lambda values, q: 1000 * float(np.percentile(values, q))  # noqa: E731
    x = np.zeros((1, 28, 28, 1), np.float32)
    loaded.model.predict(x, verbose=0)
    predict_times = []
    for _ in range(10):
        t = time.perf_counter()
        loaded.model.predict(x, verbose=0)
        predict_times.append(time.perf_counter() - t)

    print(f"Model: {loaded.describe()}  ({source})")
    print(f"Canvas: {round(pad.page_rect().width())} px square in a 1280x820 window; "
          f"{len(to_prediction)} strokes of {len(digits)} digits, mouse samples {args.move_ms:g} ms apart; "
          f"{np.mean(live_counts):.1f} live predictions per stroke while drawing.")
    print(f"Stroke end -> prediction updated:  median {ms(to_prediction, 50):.1f} ms, "
          f"p90 {ms(to_prediction, 90):.1f} ms")
    print(f"Stroke end -> window repainted:    median {ms(to_repaint, 50):.1f} ms, "
          f"p90 {ms(to_repaint, 90):.1f} ms  (includes the feature maps)")
    print(f"  of which preprocess_digit:       median {ms(parts['preprocess'], 50):.1f} ms")
    print(f"  of which the one model call:     median {ms(parts['model call'], 50):.1f} ms "
          f"(probabilities + {len(predictor.conv_names)} layers of feature maps)")
    print(f"  for comparison, model.predict:   median {ms(predict_times, 50):.1f} ms for one image")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
