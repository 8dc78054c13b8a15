"""The project's own handwriting test set: digits as pen strokes.

Each digit 0-9 has a few hand-designed pen paths (:func:`digit_skeletons`) — the ways people
commonly write it: a 1 plain, with a flag, with a flag and a base; a 4 open or closed; a 7 with
or without a bar; a 9 with a straight or a curved tail; a 2 with or without a loop; ...
:func:`make_strokes` bends one like a hand does (slant, aspect, a small rotation, a smooth
wobble, strokes that do not quite meet), and :func:`render` draws it with a round pen,
anti-aliased, anywhere on a page of any size.  Because a digit is strokes, the same sample can
be rendered to a picture (for ``predict`` tests and the accuracy-by-condition report) or
replayed as mouse strokes on the desktop draw pad.

:data:`CONDITIONS` names the ways a digit can reach the program (centred, small, off-centre,
thin or thick pen, large or small canvas, light ink on a dark page, typeset in a DejaVu font)
and :func:`condition_set` makes a labelled set of pictures for one of them.

Coordinates of strokes are unit coordinates: x to the right, y down, the digit inside
``[0, 1] x [0, 1]``.  Nothing here imports Qt.
"""

from __future__ import annotations

import functools
import glob
import math
import os
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "Stroke",
    "SyntheticDigit",
    "digit_skeletons",
    "make_strokes",
    "sample_set",
    "render",
    "render_font_digit",
    "font_paths",
    "CONDITIONS",
    "condition_set",
]

Stroke = list[tuple[float, float]]
"""A pen path: a polyline in unit coordinates (0..1, y down)."""


@dataclass(frozen=True)
class SyntheticDigit:
    """One handwritten digit: its label, its pen strokes (unit coordinates) and its style.

    ``style`` names the skeleton variant it was made from, e.g. ``"flag"`` for a 1 with a flag.
    """

    label: int
    strokes: list[Stroke]
    style: str


# --- building pen paths ---------------------------------------------------------------------------


def _arc(cx, cy, rx, ry, a0, a1, n=None) -> Stroke:
    """Points on an ellipse from angle ``a0`` to ``a1`` (degrees; 0 = right, 90 = down)."""
    if n is None:
        n = max(4, int(abs(a1 - a0) / 10) + 1)
    angles = np.radians(np.linspace(a0, a1, n))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _spline(points, per_segment: int = 8) -> Stroke:
    """A smooth curve through ``points`` (centripetal-ish Catmull-Rom)."""
    p = np.asarray(points, dtype=float)
    if len(p) < 3:
        return [tuple(map(float, q)) for q in p]
    ext = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    out = []
    for i in range(1, len(ext) - 2):
        p0, p1, p2, p3 = ext[i - 1], ext[i], ext[i + 1], ext[i + 2]
        for t in np.linspace(0.0, 1.0, per_segment, endpoint=False):
            t2, t3 = t * t, t * t * t
            q = 0.5 * (
                2 * p1
                + (-p0 + p2) * t
                + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t2
                + (-p0 + 3 * p1 - 3 * p2 + p3) * t3
            )
            out.append((float(q[0]), float(q[1])))
    out.append((float(p[-1][0]), float(p[-1][1])))
    return out


def _join(*parts) -> Stroke:
    """One stroke from consecutive pieces (a repeated joining point is dropped)."""
    out: Stroke = []
    for part in parts:
        for q in part:
            q = (float(q[0]), float(q[1]))
            if not out or (abs(out[-1][0] - q[0]) > 1e-9 or abs(out[-1][1] - q[1]) > 1e-9):
                out.append(q)
    return out


def _line(*points) -> Stroke:
    return [(float(x), float(y)) for x, y in points]


def digit_skeletons() -> dict[int, list[tuple[str, list[Stroke]]]]:
    """Hand-designed pen paths for each digit 0-9: ``{digit: [(variant name, strokes), ...]}``.

    Two to four variants per digit, in the order people write the strokes.  Coordinates are
    unit coordinates (x right, y down), the digit roughly filling ``[0.15, 0.85] x [0.05, 0.95]``.
    Returns a fresh copy each time (the caller may change it).
    """
    return {
        digit: [(name, [list(stroke) for stroke in strokes]) for name, strokes in variants]
        for digit, variants in _skeletons().items()
    }


@functools.lru_cache(maxsize=1)
def _skeletons() -> dict[int, list[tuple[str, list[Stroke]]]]:
    s = {}
    s[0] = [
        ("oval", [_arc(0.5, 0.5, 0.27, 0.44, 265, -95)]),
        ("narrow", [_arc(0.5, 0.5, 0.19, 0.45, 260, -100)]),
        (
            "overlap",
            [_spline([(0.62, 0.1), (0.45, 0.05), (0.27, 0.22), (0.22, 0.55), (0.33, 0.88),
                      (0.53, 0.95), (0.72, 0.78), (0.76, 0.42), (0.68, 0.15), (0.5, 0.06),
                      (0.38, 0.12)])],
        ),
    ]
    s[1] = [
        ("plain", [_line((0.53, 0.05), (0.47, 0.95))]),
        ("flag", [_line((0.37, 0.23), (0.56, 0.05), (0.53, 0.95))]),
        ("flag and base", [_line((0.38, 0.22), (0.56, 0.05), (0.53, 0.95)),
                           _line((0.35, 0.95), (0.72, 0.95))]),
    ]
    s[2] = [
        (
            "plain",
            [_join(_spline([(0.22, 0.3), (0.3, 0.12), (0.5, 0.05), (0.7, 0.12), (0.76, 0.3),
                            (0.66, 0.52), (0.44, 0.74), (0.2, 0.94)]),
                   _line((0.2, 0.94), (0.82, 0.93)))],
        ),
        (
            "loop",
            [_join(_spline([(0.22, 0.28), (0.32, 0.1), (0.52, 0.05), (0.72, 0.14), (0.75, 0.34),
                            (0.62, 0.56), (0.42, 0.76), (0.3, 0.9), (0.34, 0.96), (0.44, 0.92),
                            (0.38, 0.84), (0.3, 0.86)]),
                   _spline([(0.3, 0.86), (0.26, 0.93), (0.4, 0.95), (0.62, 0.92), (0.84, 0.94)]))],
        ),
        (
            "curly",
            [_spline([(0.2, 0.22), (0.38, 0.06), (0.62, 0.06), (0.75, 0.24), (0.67, 0.48),
                      (0.42, 0.72), (0.2, 0.93), (0.45, 0.88), (0.65, 0.93), (0.84, 0.9)])],
        ),
    ]
    s[3] = [
        (
            "round",
            [_spline([(0.22, 0.15), (0.42, 0.05), (0.65, 0.07), (0.73, 0.23), (0.62, 0.4),
                      (0.42, 0.47), (0.62, 0.52), (0.77, 0.67), (0.72, 0.86), (0.5, 0.95),
                      (0.2, 0.86)])],
        ),
        (
            "flat top",
            [_join(_line((0.22, 0.06), (0.76, 0.06), (0.45, 0.4)),
                   _spline([(0.45, 0.4), (0.66, 0.46), (0.78, 0.66), (0.7, 0.87), (0.48, 0.95),
                            (0.2, 0.86)]))],
        ),
        (
            "pointed",
            [_join(_spline([(0.2, 0.13), (0.45, 0.04), (0.7, 0.12), (0.66, 0.3), (0.42, 0.47)]),
                   _spline([(0.42, 0.47), (0.72, 0.55), (0.77, 0.75), (0.6, 0.93), (0.35, 0.94),
                            (0.18, 0.82)]))],
        ),
    ]
    s[4] = [
        ("closed", [_line((0.63, 0.05), (0.17, 0.64), (0.86, 0.64)),
                    _line((0.63, 0.05), (0.63, 0.95))]),
        ("open", [_line((0.27, 0.05), (0.22, 0.57), (0.8, 0.57)),
                  _line((0.67, 0.07), (0.67, 0.95))]),
        ("one stroke", [_line((0.3, 0.05), (0.2, 0.56), (0.82, 0.56)),
                        _line((0.7, 0.28), (0.64, 0.95))]),
    ]
    s[5] = [
        (
            "one stroke",
            [_join(_line((0.78, 0.06), (0.32, 0.06), (0.27, 0.44)),
                   _spline([(0.27, 0.44), (0.47, 0.37), (0.7, 0.45), (0.77, 0.67), (0.64, 0.9),
                            (0.4, 0.95), (0.2, 0.84)]))],
        ),
        (
            "separate bar",
            [_join(_line((0.32, 0.07), (0.28, 0.44)),
                   _spline([(0.28, 0.44), (0.5, 0.38), (0.72, 0.48), (0.76, 0.7), (0.6, 0.92),
                            (0.36, 0.94), (0.2, 0.82)])),
             _line((0.32, 0.07), (0.78, 0.05))],
        ),
    ]
    s[6] = [
        (
            "round",
            [_spline([(0.7, 0.07), (0.48, 0.17), (0.3, 0.42), (0.25, 0.7), (0.38, 0.93),
                      (0.6, 0.93), (0.74, 0.75), (0.64, 0.55), (0.44, 0.53), (0.27, 0.68)])],
        ),
        (
            "straight",
            [_join(_line((0.66, 0.05), (0.3, 0.6)),
                   _spline([(0.3, 0.6), (0.28, 0.82), (0.45, 0.95), (0.66, 0.9), (0.72, 0.72),
                            (0.58, 0.56), (0.38, 0.6), (0.3, 0.68)]))],
        ),
    ]
    s[7] = [
        ("plain", [_line((0.2, 0.07), (0.8, 0.07), (0.42, 0.95))]),
        ("barred", [_line((0.2, 0.07), (0.8, 0.07), (0.42, 0.95)),
                    _line((0.38, 0.52), (0.76, 0.5))]),
        ("hooked", [_join(_line((0.2, 0.2), (0.22, 0.07), (0.8, 0.08)),
                          _spline([(0.8, 0.08), (0.6, 0.4), (0.5, 0.7), (0.46, 0.95)]))]),
    ]
    s[8] = [
        (
            "one stroke",
            [_spline([(0.7, 0.15), (0.5, 0.05), (0.3, 0.14), (0.32, 0.34), (0.5, 0.47),
                      (0.72, 0.62), (0.73, 0.84), (0.5, 0.95), (0.27, 0.85), (0.28, 0.63),
                      (0.5, 0.47), (0.68, 0.33), (0.7, 0.15)])],
        ),
        (
            "two loops",
            [_arc(0.5, 0.27, 0.2, 0.21, 90, 450),
             _arc(0.5, 0.71, 0.25, 0.24, 270, 630)],
        ),
    ]
    s[9] = [
        (
            "straight",
            [_join(_arc(0.47, 0.29, 0.25, 0.24, 0, -360),
                   _line((0.72, 0.29), (0.7, 0.95)))],
        ),
        (
            "curved",
            [_join(_arc(0.46, 0.28, 0.25, 0.23, 10, -350),
                   _spline([(0.7, 0.32), (0.7, 0.68), (0.6, 0.9), (0.4, 0.95), (0.28, 0.88)]))],
        ),
        (
            "slanted",
            [_join(_arc(0.5, 0.27, 0.25, 0.22, 20, -340),
                   _line((0.735, 0.345), (0.45, 0.95)))],
        ),
    ]
    return s


# --- bending a skeleton like a hand ---------------------------------------------------------------


def _densify(stroke: np.ndarray, step: float = 0.012) -> np.ndarray:
    """Resample a polyline so consecutive points are at most ``step`` apart (corners kept)."""
    out = [stroke[0]]
    for a, b in zip(stroke[:-1], stroke[1:]):
        n = max(1, int(math.ceil(np.hypot(*(b - a)) / step)))
        for t in np.arange(1, n + 1) / n:
            out.append(a + (b - a) * t)
    return np.asarray(out)


def make_strokes(label: int, variant, rng: np.random.Generator, slant: float = 0.0,
                 jitter: float = 0.0) -> SyntheticDigit:
    """One handwritten sample of ``label`` from skeleton ``variant`` (index or name).

    The skeleton is sheared by ``slant`` (0.2 moves the top 0.2 of the height to the right of
    the bottom), stretched by a random aspect, turned by a small random angle, wobbled by a
    smooth random displacement of amplitude ``jitter`` (unit coordinates; 0.02-0.04 looks like
    a careful to a hurried hand), and each stroke is shifted a little so strokes do not quite
    meet.  The result is fitted back into the unit square (the longer side 0.9, centred).
    """
    skeletons = _skeletons()
    if label not in skeletons:
        raise ValueError(f"label must be a digit 0-9, got {label!r}")
    variants = skeletons[label]
    if isinstance(variant, str):
        names = [name for name, _ in variants]
        if variant not in names:
            raise ValueError(f"digit {label} has no variant {variant!r}; it has {names}")
        index = names.index(variant)
    else:
        index = int(variant) % len(variants)
    name, strokes = variants[index]

    aspect = math.exp(rng.normal(0.0, 0.1))
    angle = math.radians(rng.normal(0.0, 4.0))
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    # a smooth displacement field: a few random low-frequency waves
    waves = []
    for _ in range(3):
        k = rng.normal(0.0, 1.0, size=2)
        k = k / (np.linalg.norm(k) + 1e-9) * rng.uniform(0.6, 1.6) * 2 * math.pi
        phase = rng.uniform(0, 2 * math.pi, size=2)
        amp = rng.normal(0.0, 1.0, size=2) * jitter / math.sqrt(3)
        waves.append((k, phase, amp))

    out = []
    for stroke in strokes:
        p = _densify(np.asarray(stroke, dtype=float))
        x = p[:, 0] - 0.5
        y = p[:, 1] - 0.5
        x = (x - slant * y) * aspect
        x, y = cos_a * x - sin_a * y, sin_a * x + cos_a * y
        d = np.zeros((len(p), 2))
        for k, phase, amp in waves:
            arg = k[0] * x + k[1] * y
            d[:, 0] += amp[0] * np.sin(arg + phase[0])
            d[:, 1] += amp[1] * np.sin(arg + phase[1])
        shift = rng.normal(0.0, 0.3 * jitter, size=2) if jitter > 0 else np.zeros(2)
        out.append(np.column_stack([x + d[:, 0] + shift[0], y + d[:, 1] + shift[1]]))

    allp = np.vstack(out)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    scale = 0.9 / max(float((hi - lo).max()), 1e-9)
    mid = (lo + hi) / 2
    fitted = [
        [(float(px), float(py)) for px, py in (q - mid) * scale + 0.5]
        for q in out
    ]
    return SyntheticDigit(label=int(label), strokes=fitted, style=name)


def sample_set(n_per_digit: int, seed: int) -> list[SyntheticDigit]:
    """``n_per_digit`` samples of every digit 0-9 (label order), the same for the same seed.

    Variants are drawn at random; slant ~ N(0.12, 0.15) (most hands lean right), jitter uniform
    in 0.01..0.035.
    """
    rng = np.random.default_rng(seed)
    skeletons = _skeletons()
    out = []
    for label in range(10):
        for _ in range(n_per_digit):
            variant = int(rng.integers(len(skeletons[label])))
            slant = float(np.clip(rng.normal(0.12, 0.15), -0.3, 0.5))
            jitter = float(rng.uniform(0.01, 0.035))
            out.append(make_strokes(label, variant, rng, slant=slant, jitter=jitter))
    return out


# --- rendering ------------------------------------------------------------------------------------


def render(digit: SyntheticDigit, canvas_size=(280, 280), box=None, stroke_width=None,
           ink_on_light: bool = True, ink=None, page=None) -> np.ndarray:
    """Draw ``digit`` with a round pen; returns a uint8 (H, W) greyscale picture.

    ``canvas_size`` is (width, height) in pixels, as Pillow counts.  ``box`` is
    ``(x0, y0, x1, y1)`` in pixels: the unit square of the strokes is mapped onto it (the pen's
    centre stays inside it; the pen's half-width reaches past it).  The default box is a centred
    square 60 % of the canvas's smaller side.  ``stroke_width`` is the pen's width in pixels,
    8 % of the box's height by default.  Black ink on white paper when ``ink_on_light`` is true,
    white ink on black otherwise; ``ink`` and ``page`` (0..255) override those levels.
    The pen is drawn at 4x the size and area-averaged down (anti-aliased, round joints and ends).
    """
    width, height = int(canvas_size[0]), int(canvas_size[1])
    if box is None:
        side = 0.6 * min(width, height)
        box = ((width - side) / 2, (height - side) / 2, (width + side) / 2, (height + side) / 2)
    x0, y0, x1, y1 = (float(v) for v in box)
    if stroke_width is None:
        stroke_width = 0.08 * (y1 - y0)
    if ink is None:
        ink = 0 if ink_on_light else 255
    if page is None:
        page = 255 if ink_on_light else 0
    ss = max(1, min(4, int(4000 // max(width, height))))  # supersampling factor
    im = Image.new("L", (width * ss, height * ss), int(page))
    draw = ImageDraw.Draw(im)
    w = max(1.0, float(stroke_width) * ss)
    r = w / 2.0
    for stroke in digit.strokes:
        pts = [((x0 + u * (x1 - x0)) * ss, (y0 + v * (y1 - y0)) * ss) for u, v in stroke]
        if len(pts) >= 2:
            draw.line(pts, fill=int(ink), width=int(round(w)), joint="curve")
        for px, py in pts[:: max(1, len(pts) - 1)] if len(pts) > 1 else pts:
            draw.ellipse((px - r, py - r, px + r, py + r), fill=int(ink))
        if w >= 6:  # round every joint: Pillow's "curve" joint leaves small notches on wide pens
            for px, py in pts[1:-1]:
                draw.ellipse((px - r, py - r, px + r, py + r), fill=int(ink))
    if ss > 1:
        im = im.resize((width, height), Image.BOX)
    return np.asarray(im, dtype=np.uint8).copy()


_FONT_DIR = "/usr/share/fonts/truetype/dejavu"
_FONT_NAMES = [
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSerif-Italic.ttf",
    "DejaVuSerifCondensed-Bold.ttf",
]


def font_paths() -> list[str]:
    """The DejaVu fonts used by the "font" condition that exist on this machine."""
    found = [os.path.join(_FONT_DIR, n) for n in _FONT_NAMES if os.path.exists(os.path.join(_FONT_DIR, n))]
    if not found:
        found = sorted(glob.glob(os.path.join(_FONT_DIR, "*.ttf")))
    return found


def render_font_digit(label: int, font_path, size_px: int, canvas_size=(280, 280), position=None,
                      ink_on_light: bool = True) -> np.ndarray:
    """Typeset digit ``label`` in the font at ``font_path``; returns uint8 (H, W) greyscale.

    ``size_px`` is the font size in pixels (a digit's ink is about 0.73 of it in DejaVu fonts),
    ``canvas_size`` is (width, height), and ``position`` is the (x, y) pixel where the centre of
    the glyph's ink box goes (default: the canvas's centre).
    """
    width, height = int(canvas_size[0]), int(canvas_size[1])
    if position is None:
        position = (width / 2, height / 2)
    font = ImageFont.truetype(os.fspath(font_path), int(size_px))
    text = str(int(label))
    left, top, right, bottom = font.getbbox(text)
    x = position[0] - (left + right) / 2
    y = position[1] - (top + bottom) / 2
    im = Image.new("L", (width, height), 255 if ink_on_light else 0)
    ImageDraw.Draw(im).text((x, y), text, fill=0 if ink_on_light else 255, font=font)
    return np.asarray(im, dtype=np.uint8).copy()


# --- conditions -----------------------------------------------------------------------------------

CONDITIONS: dict[str, dict] = {
    "centred": dict(
        description="digit about 60 % of a 280x280 canvas, near the centre",
        kind="pen", canvas=(280, 280), box_frac=(0.55, 0.65), placement="centre",
        stroke_frac=(0.06, 0.09), ink_on_light=True,
    ),
    "small": dict(
        description="digit about 15 % of a 280x280 canvas, anywhere away from the edges",
        kind="pen", canvas=(280, 280), box_frac=(0.13, 0.17), placement="anywhere",
        stroke_frac=(0.07, 0.1), ink_on_light=True,
    ),
    "off-centre": dict(
        description="digit about 35 % of a 280x280 canvas, in a corner",
        kind="pen", canvas=(280, 280), box_frac=(0.3, 0.4), placement="corner",
        stroke_frac=(0.06, 0.09), ink_on_light=True,
    ),
    "thin": dict(
        description="thin pen: strokes 1-2 % of the digit's height (60 % of 280x280)",
        kind="pen", canvas=(280, 280), box_frac=(0.55, 0.65), placement="centre",
        stroke_frac=(0.01, 0.02), ink_on_light=True,
    ),
    "thick": dict(
        description="thick pen: strokes about 12 % of the digit's height",
        kind="pen", canvas=(280, 280), box_frac=(0.55, 0.65), placement="centre",
        stroke_frac=(0.11, 0.14), ink_on_light=True,
    ),
    "large canvas": dict(
        description="a 1000x700 page, digit 25-45 % of its height anywhere on it",
        kind="pen", canvas=(1000, 700), box_frac=(0.25, 0.45), placement="anywhere",
        stroke_frac=(0.05, 0.09), ink_on_light=True,
    ),
    "small canvas": dict(
        description="a 56x56 canvas, digit about 70 % of it",
        kind="pen", canvas=(56, 56), box_frac=(0.65, 0.75), placement="centre",
        stroke_frac=(0.07, 0.1), ink_on_light=True,
    ),
    "dark page": dict(
        description="light ink on a dark page (chalkboard), 60 % of 280x280",
        kind="pen", canvas=(280, 280), box_frac=(0.55, 0.65), placement="centre",
        stroke_frac=(0.06, 0.09), ink_on_light=False, page=(10, 70), ink=(190, 255),
    ),
    "font": dict(
        description="typeset in DejaVu fonts (Sans, Bold, Oblique, Condensed, Mono, Serif), "
        "about 60 % of 280x280",
        kind="font", canvas=(280, 280), box_frac=(0.55, 0.65), placement="centre",
        ink_on_light=True,
    ),
}
"""Named ways a digit reaches the program, for the accuracy-by-condition report.

Every entry has ``description``, ``kind`` ("pen" or "font"), ``canvas`` (width, height),
``box_frac`` (the digit box's side as a fraction of the canvas's smaller side, a range),
``placement`` ("centre", "corner" or "anywhere"), ``ink_on_light``; pen conditions also have
``stroke_frac`` (the pen's width as a fraction of the box's side, a range) and may set ``page``
and ``ink`` grey-level ranges.
"""


def _place(rng, canvas, side, placement):
    width, height = canvas
    if placement == "centre":
        cx = width / 2 + rng.uniform(-0.05, 0.05) * width
        cy = height / 2 + rng.uniform(-0.05, 0.05) * height
        x0, y0 = cx - side / 2, cy - side / 2
    elif placement == "corner":
        margin = 0.04 * min(width, height)
        right, bottom = rng.integers(2, size=2)
        x0 = width - margin - side if right else margin
        y0 = height - margin - side if bottom else margin
    else:  # anywhere, away from the edges
        margin = 0.04 * min(width, height)
        x0 = rng.uniform(margin, width - margin - side)
        y0 = rng.uniform(margin, height - margin - side)
    return (x0, y0, x0 + side, y0 + side)


def condition_set(condition: str, n_per_digit: int, seed: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Pictures of every digit rendered under one of :data:`CONDITIONS`.

    Returns ``(images, labels)``: a list of uint8 (H, W) arrays (sizes differ between
    conditions) and a uint8 array of their labels, ``n_per_digit`` of each digit in label
    order.  The same seed gives the same pictures.
    """
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; choose from {sorted(CONDITIONS)}")
    spec = CONDITIONS[condition]
    rng = np.random.default_rng([int(seed), zlib.crc32(condition.encode("utf-8"))])
    canvas = spec["canvas"]
    images, labels = [], []
    if spec["kind"] == "font":
        fonts = font_paths()
        for label in range(10):
            for i in range(n_per_digit):
                side = rng.uniform(*spec["box_frac"]) * min(canvas)
                x0, y0, x1, y1 = _place(rng, canvas, side, spec["placement"])
                font = fonts[(label + i) % len(fonts)]
                # a DejaVu digit's ink is ~0.73 of the font size: make the ink ~ the box's side
                images.append(render_font_digit(label, font, int(round(side / 0.73)), canvas,
                                                ((x0 + x1) / 2, (y0 + y1) / 2),
                                                ink_on_light=spec["ink_on_light"]))
                labels.append(label)
        return images, np.asarray(labels, dtype=np.uint8)

    digits = sample_set(n_per_digit, int(rng.integers(2**31)))
    for digit in digits:
        side = rng.uniform(*spec["box_frac"]) * min(canvas)
        box = _place(rng, canvas, side, spec["placement"])
        width = rng.uniform(*spec["stroke_frac"]) * side
        ink = int(rng.integers(spec["ink"][0], spec["ink"][1] + 1)) if "ink" in spec else None
        page = int(rng.integers(spec["page"][0], spec["page"][1] + 1)) if "page" in spec else None
        images.append(render(digit, canvas, box, width, spec["ink_on_light"], ink=ink, page=page))
        labels.append(digit.label)
    return images, np.asarray(labels, dtype=np.uint8)
