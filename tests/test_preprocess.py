"""Tests of core.preprocess: any picture of a digit -> MNIST's 28x28 format.

No trained model is needed here; tests that classify with the shipped model live elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.errors import EmptyImageError, ImageError
from core.preprocess import find_polarity, load_image, preprocess_digit, preprocess_file
from core.synthetic_digits import make_strokes, render

MNIST_NPZ = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"


# --- helpers ------------------------------------------------------------------------------------


def centre_of_mass(a: np.ndarray) -> tuple[float, float]:
    a = a.astype(np.float64)
    ys, xs = np.mgrid[0 : a.shape[0], 0 : a.shape[1]]
    total = a.sum()
    return float((a * ys).sum() / total), float((a * xs).sum() / total)


def ink_extent(a: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(a.any(axis=1))
    cols = np.flatnonzero(a.any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def assert_mnist_format(out: np.ndarray) -> None:
    assert out.shape == (28, 28)
    assert out.dtype == np.uint8
    assert out.max() == 255
    cy, cx = centre_of_mass(out)
    assert abs(cy - 14) <= 1.0 and abs(cx - 14) <= 1.0, (cy, cx)
    h, w = ink_extent(out)
    assert 18 <= max(h, w) <= 20, (h, w)


def shifted_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Best correlation of a and b over whole-pixel shifts of up to 1 px."""
    best = -1.0
    a = a.astype(np.float64)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            s = np.roll(np.roll(b.astype(np.float64), dy, axis=0), dx, axis=1)
            best = max(best, float(np.corrcoef(a.ravel(), s.ravel())[0, 1]))
    return best


def drawn(label=3, variant=0, canvas=(280, 280), box=None, width=None, seed=0, **kw) -> np.ndarray:
    digit = make_strokes(label, variant, np.random.default_rng(seed), slant=0.1, jitter=0.02)
    return render(digit, canvas, box, width, **kw)


# --- polarity -----------------------------------------------------------------------------------


def test_polarity_dark_ink_on_light_page():
    page = drawn(ink_on_light=True)
    assert find_polarity(page) is True
    assert find_polarity(page / 255.0) is True


def test_polarity_light_ink_on_dark_page():
    page = drawn(ink_on_light=False)
    assert find_polarity(page) is False
    assert find_polarity(page.astype(np.float32) / 255.0) is False


def test_polarity_on_mnist_style_image():
    a = np.zeros((28, 28), np.uint8)
    a[6:22, 12:16] = 255
    assert find_polarity(a) is False


def test_polarity_when_ink_touches_the_border():
    page = drawn(width=30)
    rows = np.flatnonzero((page < 128).any(axis=1))
    cols = np.flatnonzero((page < 128).any(axis=0))
    tight = page[rows[0] + 3 : rows[-1] - 2, cols[0] + 3 : cols[-1] - 2]  # strokes cut by the edge
    assert find_polarity(tight) is True
    assert_mnist_format(preprocess_digit(tight))


def test_both_polarities_give_the_same_result():
    light = preprocess_digit(drawn(ink_on_light=True))
    dark = preprocess_digit(drawn(ink_on_light=False))
    # the pages differ by rounding only; the centring may then round to a neighbouring pixel
    assert shifted_similarity(light, dark) > 0.99


# --- geometry -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "canvas, box",
    [
        ((280, 280), (70, 50, 210, 230)),  # centred, large
        ((280, 280), (10, 10, 70, 70)),  # small, in a corner
        ((280, 280), (200, 190, 270, 270)),  # other corner
        ((1000, 700), (600, 100, 900, 400)),  # large page, off-centre
        ((56, 56), (8, 8, 48, 48)),  # small canvas
        ((28, 28), (4, 4, 24, 24)),  # already MNIST-sized
    ],
)
def test_digit_is_scaled_to_20px_and_centred_by_mass(canvas, box):
    for label in (1, 4, 7, 8):
        out = preprocess_digit(drawn(label, canvas=canvas, box=box, width=0.08 * (box[3] - box[1])))
        assert_mnist_format(out)


def test_tiny_blob_is_scaled_up_to_20px():
    a = np.zeros((28, 28), np.uint8)
    a[2:7, 19:24] = 255
    out = preprocess_digit(a)
    assert_mnist_format(out)
    assert ink_extent(out) == (20, 20)


def test_aspect_ratio_is_kept():
    a = np.full((200, 200), 255, np.uint8)
    a[20:180, 90:110] = 0  # a bar 160 tall, 20 wide
    out = preprocess_digit(a)
    h, w = ink_extent(out)
    assert h == 20
    assert 2 <= w <= 4


def test_downscaling_does_not_alias():
    """A thin-pen 400-px drawing gives solid strokes at 20 px, not broken dotted ones."""
    out = preprocess_digit(drawn(7, canvas=(400, 400), box=(50, 50, 350, 350), width=3))
    assert_mnist_format(out)
    strong = out > 128
    # the stroke stays connected: every row of the ink's extent holds some strong ink
    rows = np.flatnonzero(out.any(axis=1))
    assert strong[rows[0] + 1 : rows[-1]].any(axis=1).all()


def test_thin_strokes_are_thickened_moderately():
    normal = preprocess_digit(drawn(0, width=14))
    thin = preprocess_digit(drawn(0, width=2))
    thick = preprocess_digit(drawn(0, width=24))
    mass = lambda a: float(a.astype(np.float64).sum())  # noqa: E731
    assert 0.6 * mass(normal) <= mass(thin) <= 1.4 * mass(normal)
    assert mass(thick) > mass(normal)  # thick pens are left thick


def test_output_fills_the_range():
    out = preprocess_digit(drawn(ink=100, page=160))  # low-contrast pencil
    assert out.max() == 255 and out.min() == 0
    assert_mnist_format(out)


# --- input types --------------------------------------------------------------------------------


def test_uint8_and_float_inputs_agree():
    page = drawn(5)
    as_uint8 = preprocess_digit(page)
    as_float = preprocess_digit(page.astype(np.float32) / 255.0)
    as_float64_255 = preprocess_digit(page.astype(np.float64))  # float on the 0..255 scale
    assert np.abs(as_uint8.astype(int) - as_float.astype(int)).max() <= 1
    assert np.abs(as_uint8.astype(int) - as_float64_255.astype(int)).max() <= 1


def test_rgb_input_agrees_with_grey():
    page = drawn(2)
    rgb = np.dstack([page, page, page])
    assert np.array_equal(preprocess_digit(rgb), preprocess_digit(page))


def test_coloured_ink_on_coloured_paper():
    f = drawn(2) / 255.0
    rgb = np.dstack([0.1 + 0.85 * f, 0.15 + 0.77 * f, 0.7 - 0.1 * f])  # blue pen, yellow paper
    out = preprocess_digit((rgb * 255).astype(np.uint8))
    assert shifted_similarity(out, preprocess_digit(drawn(2))) > 0.9


def test_rgba_transparent_page_is_composited_on_white():
    page = drawn(6)
    coverage = 255 - page  # black ink, alpha = ink coverage, transparent elsewhere
    rgba = np.dstack([np.zeros_like(page)] * 3 + [coverage])
    assert np.abs(preprocess_digit(rgba).astype(int) - preprocess_digit(page).astype(int)).max() <= 2
    opaque = np.dstack([page, page, page, np.full_like(page, 255)])
    assert np.array_equal(preprocess_digit(opaque), preprocess_digit(page))


def test_rgba_white_ink_on_transparent_page_still_shows():
    page = drawn(6)
    coverage = 255 - page
    rgba = np.dstack([np.full_like(page, 255)] * 3 + [coverage])
    assert shifted_similarity(preprocess_digit(rgba), preprocess_digit(page)) > 0.95


def test_single_channel_3d_and_bool_inputs():
    page = drawn(9)
    assert np.array_equal(preprocess_digit(page[:, :, None]), preprocess_digit(page))
    assert_mnist_format(preprocess_digit(page < 128))


@pytest.mark.parametrize("shape", [(10,), (4, 4, 5), (2, 3, 4, 3)])
def test_wrong_shape_is_an_image_error(shape):
    with pytest.raises(ImageError, match="shape"):
        preprocess_digit(np.zeros(shape))


def test_nan_is_an_image_error():
    a = np.zeros((20, 20))
    a[3, 3] = np.nan
    with pytest.raises(ImageError):
        preprocess_digit(a)


# --- no ink -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((28, 28), np.uint8),
        np.full((280, 280), 255, np.uint8),
        np.full((100, 60), 0.5),
        np.full((50, 50, 3), 200, np.uint8),
        np.zeros((40, 40, 4), np.uint8),  # fully transparent
        np.random.default_rng(0).integers(120, 136, (100, 100)).astype(np.uint8),
        np.clip(np.random.default_rng(1).normal(230, 4, (300, 300)), 0, 255).astype(np.uint8),
        np.zeros((0, 0)),
    ],
    ids=["black", "white", "grey", "rgb", "transparent", "uniform-noise", "gauss-noise", "0x0"],
)
def test_no_ink_is_an_empty_image_error(image):
    with pytest.raises(EmptyImageError, match="no ink"):
        preprocess_digit(image)


def test_empty_image_error_is_an_image_error():
    assert issubclass(EmptyImageError, ImageError)


# --- noise and real-world pages -----------------------------------------------------------------


def test_noisy_page_gives_the_clean_result():
    page = drawn(4)
    rng = np.random.default_rng(2)
    noisy = np.clip(page + rng.normal(0, 20, page.shape), 0, 255).astype(np.uint8)
    assert shifted_similarity(preprocess_digit(noisy), preprocess_digit(page)) > 0.9


def test_isolated_specks_are_ignored():
    page = drawn(4, box=(80, 80, 200, 200))
    specked = page.copy()
    for y, x in [(5, 5), (10, 260), (270, 20), (265, 270), (140, 20), (20, 140)]:
        specked[y : y + 3, x : x + 3] = 0
    assert np.array_equal(preprocess_digit(specked), preprocess_digit(page))


def test_unevenly_lit_page():
    f = drawn(8) / 255.0
    yy, xx = np.mgrid[0 : f.shape[0], 0 : f.shape[1]] / f.shape[0]
    light = 0.5 + 0.4 * xx + 0.1 * yy  # a photo lit from the right
    photo = (light * (0.2 + 0.8 * f) * 255).astype(np.uint8)
    out = preprocess_digit(photo)
    assert_mnist_format(out)
    assert shifted_similarity(out, preprocess_digit(drawn(8))) > 0.9


# --- MNIST itself -------------------------------------------------------------------------------


@pytest.mark.skipif(not MNIST_NPZ.exists(), reason="MNIST data file not available")
def test_mnist_test_images_stay_almost_unchanged():
    with np.load(MNIST_NPZ) as data:
        images = data["x_test"][:300]
    similar = [shifted_similarity(preprocess_digit(a), a) for a in images]
    assert np.median(similar) > 0.99
    assert np.mean(np.asarray(similar) > 0.95) >= 0.98
    for a in images[:50]:
        out = preprocess_digit(a)
        cy, cx = centre_of_mass(out)
        assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1


# --- files --------------------------------------------------------------------------------------


def test_load_image_reads_png_as_float_grey(tmp_path):
    page = drawn(1)
    path = tmp_path / "one.png"
    Image.fromarray(page).save(path)
    grey = load_image(path)
    assert grey.dtype == np.float32 and grey.ndim == 2
    assert grey.min() >= 0 and grey.max() <= 1
    assert np.allclose(grey * 255, page, atol=0.5)
    assert np.array_equal(preprocess_file(path), preprocess_digit(page))
    assert np.array_equal(preprocess_file(str(path)), preprocess_digit(page))


def test_load_image_composites_alpha_onto_white(tmp_path):
    rgba = np.zeros((50, 50, 4), np.uint8)
    rgba[10:40, 20:30, 3] = 255  # black, opaque bar; the rest transparent black
    path = tmp_path / "alpha.png"
    Image.fromarray(rgba, "RGBA").save(path)
    grey = load_image(path)
    assert grey[0, 0] == pytest.approx(1.0)
    assert grey[20, 25] == pytest.approx(0.0)


def test_load_image_applies_exif_orientation(tmp_path):
    a = np.full((40, 80), 255, np.uint8)  # wide picture
    a[:, :10] = 0
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    path = tmp_path / "camera.jpg"
    Image.fromarray(a).save(path, exif=exif, quality=95)
    grey = load_image(path)
    assert grey.shape == (80, 40)
    assert grey[:10].mean() < 0.2  # the dark band now runs along the top


@pytest.mark.parametrize("suffix, fmt", [(".jpg", "JPEG"), (".bmp", "BMP"), (".gif", "GIF")])
def test_load_image_other_formats(tmp_path, suffix, fmt):
    page = drawn(7)
    path = tmp_path / f"seven{suffix}"
    Image.fromarray(page).save(path, fmt)
    assert shifted_similarity(preprocess_file(path), preprocess_digit(page)) > 0.97


def test_missing_file_is_an_image_error_naming_it(tmp_path):
    path = tmp_path / "nowhere.png"
    with pytest.raises(ImageError, match="nowhere.png") as info:
        load_image(path)
    assert "no such file" in str(info.value)


def test_text_file_named_png_is_an_image_error_naming_it(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture\n")
    with pytest.raises(ImageError, match="notes.png") as info:
        load_image(path)
    assert "not a picture" in str(info.value)


def test_truncated_png_is_an_image_error_naming_it(tmp_path):
    rng = np.random.default_rng(0)
    whole = tmp_path / "whole.png"
    Image.fromarray(rng.integers(0, 256, (120, 120), dtype=np.uint8)).save(whole)
    data = whole.read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match="cut.png") as info:
        load_image(cut)
    assert "truncated" in str(info.value) or "damaged" in str(info.value)
    with pytest.raises(ImageError, match="cut.png"):
        preprocess_file(cut)


def test_folder_is_an_image_error(tmp_path):
    with pytest.raises(ImageError, match="folder"):
        load_image(tmp_path)


def test_blank_file_is_an_empty_image_error_naming_it(tmp_path):
    path = tmp_path / "blank.png"
    Image.fromarray(np.full((64, 64), 255, np.uint8)).save(path)
    with pytest.raises(EmptyImageError, match="blank.png") as info:
        preprocess_file(path)
    assert "no ink" in str(info.value)


def test_errors_carry_no_traceback_chain(tmp_path):
    path = tmp_path / "bad.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(ImageError) as info:
        load_image(path)
    assert info.value.__cause__ is None
    assert os.fspath(path) in str(info.value)
