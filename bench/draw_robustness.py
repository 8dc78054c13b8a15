"""How well the Draw tab reads digits drawn in different ways: accuracy by condition.

Every digit is drawn on the real canvas of the real Draw tab by real mouse events (QTest press,
moves, release, offscreen), and the tab's own prediction after the last stroke is scored -- the
whole path a person's drawing takes: the pad's vectors and raster, ``core.preprocess``, the model.

The strokes come from two sets, neither of them MNIST:

* handwriting: ``core.synthetic_digits.sample_set`` -- hand-designed pen paths for every digit in
  several styles (a 1 with or without a flag, an open or closed 4, a 7 with a bar, ...), slanted,
  stretched, turned and wobbled like a hand, in the order people draw the strokes;
* font outlines: the outlines of each digit in several DejaVu fonts (Sans, Bold, Condensed,
  Oblique, Mono, Serif, Serif Italic, ExtraLight), each contour traced as one pen stroke.

Conditions vary what a person varies: where and how large the digit is drawn, the pen's width,
and the size of the canvas (the window), e.g.::

    python bench/draw_robustness.py                    # the shipped model, 10 digits of each kind
    python bench/draw_robustness.py --model m.h5 --n 20

It prints one row per condition: what it is, the number of digits, the accuracy and the mean
confidence, and the most common mistakes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Replaying strokes on the canvas


def replay(pad, strokes, between=None) -> None:
    """Draw ``strokes`` (lists of page points, in page units 0..280) on ``pad`` with QTest mouse
    events at the pixels they fall on.  ``between()`` is called after each move (e.g. to let the
    event loop run, as it does between real mouse samples)."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    def pixel(x, y):
        p = pad.to_widget(x, y)
        return QPoint(round(p.x()), round(p.y()))

    for stroke in strokes:
        points = [pixel(x, y) for x, y in stroke]
        QTest.mousePress(pad, Qt.LeftButton, Qt.NoModifier, points[0])
        last = points[0]
        for point in points[1:]:
            if point != last:
                QTest.mouseMove(pad, point)
                last = point
                if between is not None:
                    between()
        QTest.mouseRelease(pad, Qt.LeftButton, Qt.NoModifier, points[-1])


def to_page(strokes_unit, box) -> list[list[tuple[float, float]]]:
    """Unit-square strokes placed in ``box`` = (x0, y0, side) on the page."""
    x0, y0, side = box
    return [[(x0 + u * side, y0 + v * side) for u, v in stroke] for stroke in strokes_unit]


def _densify(points, step: float) -> list[tuple[float, float]]:
    out = [points[0]]
    for (ax, ay), (bx, by) in zip(points[:-1], points[1:]):
        n = max(1, int(np.ceil(np.hypot(bx - ax, by - ay) / step)))
        for t in np.arange(1, n + 1) / n:
            out.append((ax + (bx - ax) * t, ay + (by - ay) * t))
    return out


# ---------------------------------------------------------------------------------------------
# Stroke sets

FONT_FILES = ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansCondensed.ttf", "DejaVuSans-Oblique.ttf",
              "DejaVuSansMono.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSans-ExtraLight.ttf"]
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def font_files() -> list[Path]:
    return [FONT_DIR / name for name in FONT_FILES if (FONT_DIR / name).exists()]


def font_outline_strokes(label: int, font_file: Path) -> tuple[list[list[tuple[float, float]]], float]:
    """The outline contours of ``label`` in the font file, as closed strokes in the unit square
    (longer side 0.9, centred), points ~0.012 apart; and the glyph's stroke thickness (unit
    square fraction), the pen width that traces the outline into a solid glyph."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter, QRawFont, QTransform

    from gui.widgets.draw_pad import qimage_to_grey

    font = QRawFont(str(font_file), 200)
    path = font.pathForGlyph(font.glyphIndexesForString(str(label))[0])
    rect = path.boundingRect()
    scale = 0.9 / max(rect.width(), rect.height())
    cx, cy = rect.center().x(), rect.center().y()
    # thickness = 2 * area / perimeter of the filled glyph, measured on a 400-px rendering
    side = 400
    image = QImage(side, side, QImage.Format_Grayscale8)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing, True)
    painter.setTransform(QTransform().scale(side, side).translate(0.5, 0.5).scale(scale, scale).translate(-cx, -cy))
    painter.fillPath(path, Qt.white)
    painter.end()
    ink = qimage_to_grey(image) / 255.0
    mask = np.pad(ink >= 0.5, 1)
    perimeter = np.count_nonzero(np.diff(mask, axis=0)) + np.count_nonzero(np.diff(mask, axis=1))
    thickness = 2.0 * float(ink.sum()) / max(1, perimeter) / side
    strokes = []
    for polygon in path.toSubpathPolygons():
        pts = [((p.x() - cx) * scale + 0.5, (p.y() - cy) * scale + 0.5) for p in polygon]
        if len(pts) < 2:
            continue
        if pts[0] != pts[-1]:
            pts.append(pts[0])
        strokes.append(_densify(pts, 0.012))
    return strokes, thickness


@dataclass
class Sample:
    label: int
    strokes: list            # unit-square strokes
    kind: str                # "handwriting (style)" or "font <file>"
    pen: float | None = None  # for font outlines: the pen (fraction of the box) that fills the glyph


def handwriting_samples(n_per_digit: int, seed: int) -> list[Sample]:
    from core.synthetic_digits import sample_set

    return [Sample(d.label, d.strokes, f"handwriting ({d.style})") for d in sample_set(n_per_digit, seed)]


def font_samples(n_per_digit: int) -> list[Sample]:
    files = font_files()
    out = []
    for label in range(10):
        for i in range(n_per_digit):
            font_file = files[(label + i) % len(files)]
            strokes, thickness = font_outline_strokes(label, font_file)
            out.append(Sample(label, strokes, f"font {font_file.name}", pen=thickness))
    return out


# ---------------------------------------------------------------------------------------------
# Conditions

PAGE = 280.0


@dataclass
class Condition:
    name: str
    description: str
    box: tuple[float, float]          # the digit's side as a fraction of the page (range)
    placement: str                    # "centre", "corner", "anywhere"
    pen: tuple[float, float] | float  # pen width: a fraction of the digit's side (range) or units
    canvas: int | None = None         # the canvas's side in screen pixels (None: as laid out)
    fill_fonts: bool = True           # font outlines traced with at least their glyph's thickness


CONDITIONS = [
    Condition("centred", "digit 55-70 % of the canvas, near the centre, pen 6-10 % of the digit",
              (0.55, 0.70), "centre", (0.06, 0.10)),
    Condition("small", "digit 18-25 % of the canvas, anywhere, pen 4-6 units (8-10 % of it)",
              (0.18, 0.25), "anywhere", (0.08, 0.10)),
    Condition("off-centre", "digit 30-40 % of the canvas, in a corner", (0.30, 0.40), "corner", (0.06, 0.10)),
    Condition("thin pen", "pen at the slider's minimum (4 units, ~2 % of the digit); "
              "font outlines come out hollow", (0.55, 0.70), "centre", 4.0, fill_fonts=False),
    Condition("thick pen", "pen 13-17 % of the digit (25-33 units)", (0.55, 0.70), "centre", (0.13, 0.17)),
    Condition("default pen, any size", "the default pen (18 units) on digits 25-80 % of the canvas, anywhere",
              (0.25, 0.80), "anywhere", 18.0),
    Condition("small canvas", "centred digits on a 160-px canvas (the pad's minimum size)",
              (0.55, 0.70), "centre", (0.06, 0.10), canvas=160),
    Condition("large canvas", "centred digits on a 900-px canvas", (0.55, 0.70), "centre", (0.06, 0.10),
              canvas=900),
]


def place(rng, side: float, placement: str) -> tuple[float, float, float]:
    margin = 0.04 * PAGE
    if placement == "centre":
        c = PAGE / 2 + rng.uniform(-0.05, 0.05, size=2) * PAGE
        return (c[0] - side / 2, c[1] - side / 2, side)
    if placement == "corner":
        right, bottom = rng.integers(2, size=2)
        return (PAGE - margin - side if right else margin, PAGE - margin - side if bottom else margin, side)
    return (rng.uniform(margin, PAGE - margin - side), rng.uniform(margin, PAGE - margin - side), side)


# ---------------------------------------------------------------------------------------------


def _private_settings() -> None:
    """Keep the window's settings (geometry, tab, pen width) in a temporary folder, not the user's."""
    import tempfile

    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.IniFormat)
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, tempfile.mkdtemp(prefix="draw-bench-settings-"))


def make_tab(model_path: str):
    from gui.app import create_application

    app = create_application(["draw_robustness"])
    _private_settings()
    from core.model_io import load_model
    from core.runtime import import_tensorflow
    from core.live_predictor import LivePredictor
    from gui.draw_tab import DrawTab
    from gui.session import Session

    import_tensorflow()
    session = Session()
    tab = DrawTab(session)
    tab.resize(1280, 760)
    tab.show()
    loaded = load_model(model_path)
    session.set_model(loaded)
    tab._on_predictor_ready(tab._predictor_token, LivePredictor(loaded))  # built here: no waiting
    app.processEvents()
    return app, tab


def set_canvas(app, tab, side: int | None) -> None:
    pad = tab.pad
    if side is None:
        pad.setMinimumSize(160, 160)
        pad.setMaximumSize(16777215, 16777215)
        tab.resize(1280, 760)
    else:
        pad.setFixedSize(side, side)
        tab.resize(max(1280, side + 760), max(760, side + 160))
    for _ in range(3):
        app.processEvents()


def run_condition(app, tab, condition: Condition, samples: list[Sample], seed: int):
    rng = np.random.default_rng([seed, CONDITIONS.index(condition)])
    set_canvas(app, tab, condition.canvas)
    pad = tab.pad
    correct, confidences, mistakes = 0, [], Counter()
    for sample in samples:
        side = rng.uniform(*condition.box) * PAGE
        box = place(rng, side, condition.placement)
        if isinstance(condition.pen, tuple):
            width = rng.uniform(*condition.pen) * side
        else:
            width = condition.pen
        if sample.pen is not None and condition.fill_fonts:
            width = max(width, sample.pen * side)  # an outline traced into a solid glyph
        pad.clear()
        pad.pen_width = float(np.clip(width, 4.0, 40.0))  # what the width slider allows
        replay(pad, to_page(sample.strokes, box))
        app.processEvents()
        prediction = tab.prediction
        digit = prediction.digit if prediction is not None else -1
        if digit == sample.label:
            correct += 1
        else:
            mistakes[(sample.label, digit)] += 1
        confidences.append(prediction.confidence if prediction is not None else 0.0)
    side_px = round(pad.page_rect().width())
    return correct / len(samples), float(np.mean(confidences)), mistakes, side_px


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "mnist_cnn.h5"))
    parser.add_argument("--n", type=int, default=10, help="digits of each kind (0-9) per condition")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--only", nargs="*", help="condition names to run")
    args = parser.parse_args(argv)
    if not Path(args.model).exists():
        print(f"No model at {args.model}: pass --model PATH.", file=sys.stderr)
        return 2

    app, tab = make_tab(args.model)
    handwriting = handwriting_samples(args.n, args.seed)
    fonts = font_samples(args.n) if font_files() else []
    print(f"Model: {tab.session.model.describe()}")
    print(f"Digits drawn by QTest mouse events on the Draw tab's canvas (page {int(PAGE)} units) and "
          "read by the tab's own live prediction.\n")
    header = (f"| {'condition':<22} | {'canvas px':>9} | {'handwriting':>11} | {'mean conf.':>10} "
              f"| {'font outlines':>13} | most common mistakes (true→read) |")
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    started = time.perf_counter()
    totals = {"hand": [], "font": []}
    for condition in CONDITIONS:
        if args.only and condition.name not in args.only:
            continue
        accuracy, confidence, mistakes, side_px = run_condition(app, tab, condition, handwriting, args.seed)
        totals["hand"].append(accuracy)
        font_text, font_mistakes = "–", Counter()
        if fonts:
            font_accuracy, _, font_mistakes, _ = run_condition(app, tab, condition, fonts, args.seed + 1)
            totals["font"].append(font_accuracy)
            font_text = f"{font_accuracy:.1%}"
        worst = "hand " + (", ".join(f"{t}→{p} ×{n}" for (t, p), n in mistakes.most_common(2)) or "none")
        if fonts:
            worst += "; fonts " + (", ".join(f"{t}→{p} ×{n}" for (t, p), n in font_mistakes.most_common(2)) or "none")
        print(f"| {condition.name:<22} | {side_px:>9} | {accuracy:>11.1%} | {confidence:>10.3f} "
              f"| {font_text:>13} | {worst} |", flush=True)
    if totals["hand"]:
        font_mean = f"{np.mean(totals['font']):.1%}" if totals["font"] else "–"
        print(f"| {'mean of the conditions':<22} | {'':>9} | {np.mean(totals['hand']):>11.1%} | {'':>10} "
              f"| {font_mean:>13} | |")
    print(f"\nConditions:")
    for condition in CONDITIONS:
        if not args.only or condition.name in args.only:
            print(f"  {condition.name}: {condition.description}")
    print(f"\nDigits per cell: {len(handwriting)} handwriting, {len(fonts)} font outlines "
          f"({len(font_files())} fonts). ({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
