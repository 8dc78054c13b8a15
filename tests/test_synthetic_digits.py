"""Tests of core.synthetic_digits: the project's handwriting test set as pen strokes."""

from __future__ import annotations

import numpy as np
import pytest

from core.preprocess import _stroke_width, preprocess_digit
from core.synthetic_digits import (
    CONDITIONS,
    SyntheticDigit,
    condition_set,
    digit_skeletons,
    font_paths,
    make_strokes,
    render,
    render_font_digit,
    sample_set,
)


def ink_box(a: np.ndarray, dark_ink: bool = True, level: int = 128):
    mask = a < level if dark_ink else a > level
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1] + 1), int(rows[-1] + 1)  # x0, y0, x1, y1


# --- skeletons ----------------------------------------------------------------------------------


def test_skeletons_cover_every_digit_with_two_to_four_variants():
    skeletons = digit_skeletons()
    assert sorted(skeletons) == list(range(10))
    for digit, variants in skeletons.items():
        assert 2 <= len(variants) <= 4, digit
        names = [name for name, _ in variants]
        assert len(set(names)) == len(names)
        for name, strokes in variants:
            assert strokes and all(len(stroke) >= 2 for stroke in strokes), (digit, name)
            points = np.array([p for stroke in strokes for p in stroke])
            assert points.min() >= 0.0 and points.max() <= 1.0, (digit, name)


def test_skeletons_include_the_common_ways_of_writing():
    names = {d: {n for n, _ in v} for d, v in digit_skeletons().items()}
    assert {"plain", "flag", "flag and base"} <= names[1]
    assert {"open", "closed"} <= names[4]
    assert {"plain", "barred"} <= names[7]
    assert {"straight", "curved"} <= names[9]
    assert {"plain", "loop"} <= names[2]


# --- making samples ------------------------------------------------------------------------------


def test_make_strokes_is_deterministic_for_a_seed():
    a = make_strokes(5, 0, np.random.default_rng(7), slant=0.2, jitter=0.03)
    b = make_strokes(5, 0, np.random.default_rng(7), slant=0.2, jitter=0.03)
    c = make_strokes(5, 0, np.random.default_rng(8), slant=0.2, jitter=0.03)
    assert a == b
    assert a != c
    assert isinstance(a, SyntheticDigit) and a.label == 5 and a.style == "one stroke"


def test_make_strokes_fits_the_unit_square():
    rng = np.random.default_rng(0)
    for label, variants in digit_skeletons().items():
        for name, _ in variants:
            d = make_strokes(label, name, rng, slant=0.4, jitter=0.04)
            pts = np.array([p for s in d.strokes for p in s])
            assert pts.min() >= 0.0 - 1e-9 and pts.max() <= 1.0 + 1e-9
            extent = pts.max(axis=0) - pts.min(axis=0)
            assert extent.max() == pytest.approx(0.9)


def test_make_strokes_slant_leans_the_digit_right():
    upright = make_strokes(1, "plain", np.random.default_rng(0), slant=0.0)
    leaning = make_strokes(1, "plain", np.random.default_rng(0), slant=0.4)
    top = lambda d: min(d.strokes[0], key=lambda p: p[1])  # noqa: E731
    bottom = lambda d: max(d.strokes[0], key=lambda p: p[1])  # noqa: E731
    lean = lambda d: top(d)[0] - bottom(d)[0]  # noqa: E731
    assert lean(leaning) > lean(upright) + 0.1


def test_make_strokes_rejects_unknown_labels_and_variants():
    with pytest.raises(ValueError):
        make_strokes(10, 0, np.random.default_rng(0))
    with pytest.raises(ValueError):
        make_strokes(4, "curly", np.random.default_rng(0))


def test_sample_set_is_deterministic_and_ordered():
    a = sample_set(3, seed=11)
    b = sample_set(3, seed=11)
    c = sample_set(3, seed=12)
    assert a == b
    assert a != c
    assert [d.label for d in a] == [k for k in range(10) for _ in range(3)]


# --- rendering -----------------------------------------------------------------------------------


def test_every_digit_and_variant_renders_ink_inside_its_box():
    rng = np.random.default_rng(1)
    box = (60, 40, 220, 200)
    width = 12
    for label, variants in digit_skeletons().items():
        for name, _ in variants:
            d = make_strokes(label, name, rng, slant=0.15, jitter=0.03)
            a = render(d, (280, 240), box, stroke_width=width)
            assert a.shape == (240, 280) and a.dtype == np.uint8
            found = ink_box(a)
            assert found is not None, (label, name)
            margin = width / 2 + 1
            assert found[0] >= box[0] - margin and found[1] >= box[1] - margin
            assert found[2] <= box[2] + margin and found[3] <= box[3] + margin
            # the digit spans most of its box in its longer direction
            assert max(found[2] - found[0], found[3] - found[1]) >= 0.8 * (box[3] - box[1])


def test_render_is_anti_aliased_and_respects_polarity():
    d = make_strokes(8, 0, np.random.default_rng(2))
    light = render(d)
    dark = render(d, ink_on_light=False)
    assert light[0, 0] == 255 and dark[0, 0] == 0
    assert np.abs(light.astype(int) + dark.astype(int) - 255).max() <= 1
    greys = np.count_nonzero((light > 10) & (light < 245))
    assert greys > 100  # edges have intermediate levels
    custom = render(d, ink=180, page=40)
    assert custom.min() >= 40 and custom.max() <= 180


def test_render_default_box_is_centred_sixty_percent():
    d = make_strokes(7, "plain", np.random.default_rng(3))
    x0, y0, x1, y1 = ink_box(render(d, (280, 280)))
    side = max(x1 - x0, y1 - y0)
    assert 0.5 * 280 <= side <= 0.66 * 280
    assert abs((y0 + y1) / 2 - 140) < 15


@pytest.mark.skipif(not font_paths(), reason="no DejaVu fonts installed")
def test_render_font_digit_places_the_glyph():
    font = font_paths()[0]
    a = render_font_digit(3, font, 100, (200, 160), position=(120, 70))
    assert a.shape == (160, 200)
    x0, y0, x1, y1 = ink_box(a)
    assert abs((x0 + x1) / 2 - 120) <= 2 and abs((y0 + y1) / 2 - 70) <= 2
    assert 60 <= y1 - y0 <= 85
    dark = render_font_digit(3, font, 100, (200, 160), position=(120, 70), ink_on_light=False)
    assert dark[0, 0] == 0 and dark.max() == 255


# --- conditions ----------------------------------------------------------------------------------


def test_conditions_are_the_named_ones():
    assert set(CONDITIONS) == {
        "centred", "small", "off-centre", "thin", "thick",
        "large canvas", "small canvas", "dark page", "font",
    }
    for spec in CONDITIONS.values():
        assert spec["description"] and spec["kind"] in ("pen", "font")


def test_condition_set_is_deterministic():
    a, la = condition_set("centred", 1, seed=5)
    b, lb = condition_set("centred", 1, seed=5)
    c, _ = condition_set("centred", 1, seed=6)
    assert np.array_equal(la, lb) and list(la) == list(range(10))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_condition_set_rejects_unknown_conditions():
    with pytest.raises(ValueError, match="unknown condition"):
        condition_set("sideways", 1, 0)


# name -> (canvas shape (H, W), range of the ink's longer side as a fraction of the canvas's
# smaller side, dark ink?)
EXPECTED = {
    "centred": ((280, 280), (0.45, 0.70), True),
    "small": ((280, 280), (0.10, 0.20), True),
    "off-centre": ((280, 280), (0.25, 0.45), True),
    "thin": ((280, 280), (0.45, 0.70), True),
    "thick": ((280, 280), (0.45, 0.75), True),
    "large canvas": ((700, 1000), (0.20, 0.50), True),
    "small canvas": ((56, 56), (0.55, 0.85), True),
    "dark page": ((280, 280), (0.45, 0.70), False),
    "font": ((280, 280), (0.45, 0.70), True),
}


@pytest.mark.parametrize("condition", sorted(EXPECTED))
def test_conditions_produce_the_described_sizes(condition):
    images, labels = condition_set(condition, 1, seed=3)
    assert len(images) == len(labels) == 10
    assert labels.dtype == np.uint8
    shape, (lo, hi), dark_ink = EXPECTED[condition]
    for a in images:
        assert a.shape == shape and a.dtype == np.uint8
        if dark_ink:
            assert np.median(a) > 200
        else:
            assert np.median(a) < 80
        page = float(np.median(a))
        level = (page + (a.min() if dark_ink else a.max())) / 2
        x0, y0, x1, y1 = ink_box(a, dark_ink, level)
        side = max(x1 - x0, y1 - y0) / min(shape)
        assert lo <= side <= hi, (condition, side)
        if condition == "off-centre":  # in a corner: the ink's centre is far from the canvas's
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            assert abs(cx - shape[1] / 2) > 0.2 * shape[1] and abs(cy - shape[0] / 2) > 0.2 * shape[0]


@pytest.mark.parametrize("condition, lo, hi", [("thin", 0.005, 0.03), ("centred", 0.05, 0.11),
                                                ("thick", 0.10, 0.17)])
def test_pen_width_conditions(condition, lo, hi):
    images, _ = condition_set(condition, 1, seed=4)
    widths = []
    for a in images:
        ink = 1.0 - a / 255.0
        x0, y0, x1, y1 = ink_box(a)
        widths.append(_stroke_width(ink[y0:y1, x0:x1]) / max(x1 - x0, y1 - y0))
    assert lo <= np.median(widths) <= hi, widths


def test_every_condition_preprocesses_to_mnist_format():
    for condition in CONDITIONS:
        images, _ = condition_set(condition, 1, seed=9)
        for a in images[::3]:
            out = preprocess_digit(a)
            assert out.shape == (28, 28) and out.max() == 255
