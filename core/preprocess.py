"""Turn any picture of a handwritten digit into the 28x28 input an MNIST-trained model expects.

MNIST itself was made like this (LeCun et al.): the writer's digit was cropped to its ink,
scaled so that it fits a 20x20 box keeping its aspect ratio (the anti-aliasing of that scaling
gives the grey levels), and placed in a 28x28 field so that its centre of mass sits at the
centre.  :func:`preprocess_digit` follows the same recipe for pictures from anywhere — the
draw pad, a scan, a photo, a PNG made by another program — so a model trained on MNIST sees
what it was trained on:

1. greyscale (colour by luminance; transparency composited onto white);
2. polarity: decide whether the ink is dark on a light page or light on a dark page
   (:func:`find_polarity`) and turn it so that ink is high;
3. background and noise: subtract the page level, estimate the page's noise from the border,
   drop values that are noise or faint next to the strongest ink, and small isolated specks
   far from the digit; a picture with nothing left holds no ink (:class:`EmptyImageError`);
4. crop to the ink's bounding box;
5. stroke thickness: a digit drawn with a very thin pen (a 1-px line on a 400-px drawing)
   would shrink to a faint hairline at 20 px, thinner than any MNIST stroke, so such strokes
   are thickened a little first (MNIST's strokes are 6-14 % of the digit's size);
6. scale so that the longer side is 20 px, anti-aliased: area averaging on a float image (each
   output pixel is the share of it the ink covers, which is how MNIST's grey levels arose), so
   a 400-px drawing does not alias; a drawing smaller than 20 px grows with Lanczos;
7. contrast: the strongest ink becomes 255;
8. place in a 28x28 black field with the centre of mass at pixel (row 14, column 14) — where
   MNIST's own digits have theirs — by a whole-pixel shift (MNIST did not resample for
   centring either), clipping at the borders.

The desktop draw pad and the command line's ``predict`` both call exactly this module.
Nothing here imports Qt.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import EmptyImageError, ImageError

__all__ = [
    "MNIST_SIZE",
    "MNIST_BOX",
    "MNIST_CENTRE",
    "load_image",
    "preprocess_digit",
    "preprocess_file",
    "find_polarity",
]

MNIST_SIZE = 28
"""Side of the model's input field, in pixels."""

MNIST_BOX = 20
"""The digit's longer side after scaling, in pixels (MNIST: a 20x20 box, aspect kept)."""

MNIST_CENTRE = 14.0
"""Where the centre of mass ends up, as (row, column) pixel index; MNIST's own average is 14.0."""

# --- tuning (measured with a quick MNIST CNN on the project's synthetic handwriting) ---------

_MIN_CONTRAST = 0.10
"""Ink must stand at least this far (on a 0..1 scale) from the page, else the picture is blank."""

_NOISE_SIGMAS_EMPTY = 5.0
"""...and at least this many noise standard deviations (noise measured on the border)."""

_NOISE_SIGMAS_FLOOR = 3.5
"""Values within this many noise deviations of the page are page, not ink."""

_NOISE_SIGMAS_STRONG = 4.0
_RELATIVE_STRONG = 0.15
"""Ink is what stands this far above the page (in noise deviations, and relative to the
strongest ink); fainter values count only as the fringe right next to such ink."""

_RELATIVE_FLOOR = 0.04
"""Values below this fraction of the strongest ink are dropped (faint haze, JPEG ringing)."""

_SPECK_MASS = 0.02
"""An isolated blob holding less than this fraction of all ink is a speck and is dropped."""

_SPECK_GAP = 0.03
"""Blobs closer than this fraction of the picture's size count as one (a broken stroke)."""

_WORK_SIDE = 160
"""Working size for the stroke-thickness step: big crops are area-averaged down to this first."""

_THIN_STROKE = 0.10
"""Strokes thinner than this fraction of the digit's longer side are thickened..."""

_TARGET_STROKE = 0.11
"""...to about this fraction: MNIST's typical stroke, 2 px in the 20-px box.  (Measured: with
no thickening, a quick MNIST CNN's loss on 1-2 %-wide pens is 3x that on normal pens; lifting
thin strokes to 0.11 brings it to the level of normal pens and helps 3-5 % pens a little.)"""

_MAX_INPUT_SIDE = 1600
"""Larger pictures (phone photos) are area-averaged down to this longer side first."""


# --- reading files ------------------------------------------------------------------------------


def load_image(path) -> np.ndarray:
    """Read a picture file (PNG, JPEG, BMP, GIF, TIFF, WebP, ...) as greyscale.

    Returns a 2-D ``float32`` array in ``[0, 1]`` (0 black, 1 white).  The EXIF orientation of
    camera pictures is applied; transparency is composited onto a white page (or, when the
    picture is light ink on a transparent page, onto a black one so the ink stays visible).
    Animated or multi-page files give their first frame.

    Raises :class:`ImageError` naming the file for a missing file, a directory, a file that is
    not a picture, or a damaged / truncated picture.
    """
    name = os.fspath(path)
    if not os.path.exists(name):
        raise ImageError(f"{name}: no such file.")
    if os.path.isdir(name):
        raise ImageError(f"{name}: is a folder, not a picture file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(name) as im:
                im.load()
                im = ImageOps.exif_transpose(im)
                return _pil_to_grey(im)
    except ImageError as error:
        raise ImageError(f"{name}: {error}") from None
    except UnidentifiedImageError:
        raise ImageError(
            f"{name}: is not a picture this program can read "
            "(use PNG, JPEG, BMP, GIF, TIFF or WebP)."
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{name}: the picture is far too large to be a digit.") from None
    except PermissionError:
        raise ImageError(f"{name}: permission denied; the file cannot be read.") from None
    except MemoryError:
        raise ImageError(f"{name}: the picture is too large to load into memory.") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError) as error:
        detail = str(error).strip() or type(error).__name__
        raise ImageError(
            f"{name}: the picture is damaged or truncated and cannot be read ({detail})."
        ) from None


def _pil_to_grey(im: Image.Image) -> np.ndarray:
    """A Pillow image (any mode) -> 2-D float32 greyscale in [0, 1], alpha composited."""
    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        a = np.asarray(im, dtype=np.float64)
        top = 65535.0 if a.size and a.max() > 255 else 255.0
        return np.clip(a / top, 0, 1).astype(np.float32)
    if mode == "F":
        a = np.asarray(im, dtype=np.float64)
        if a.size and np.nanmax(a) > 1.0:
            a = a / 255.0
        return np.clip(np.nan_to_num(a), 0, 1).astype(np.float32)
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        mode in ("P", "L", "RGB") and "transparency" in im.info
    )
    if has_alpha:
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
        return _to_grey(rgba).astype(np.float32)
    grey = np.asarray(im.convert("L"), dtype=np.float32) / 255.0
    return grey


# --- arrays -> greyscale --------------------------------------------------------------------------


def _composite(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite ``grey`` (ink colour) with ``alpha`` onto white; onto black when that hides it."""
    on_white = grey * alpha + (1.0 - alpha)
    if np.ptp(alpha) > 0.1 and np.ptp(on_white) < _MIN_CONTRAST:
        # light ink on a transparent page: on white it vanishes, on black it shows
        on_black = grey * alpha
        if np.ptp(on_black) >= _MIN_CONTRAST:
            return on_black
    return on_white


def _to_grey(image) -> np.ndarray:
    """Any (H,W), (H,W,1), (H,W,2), (H,W,3) or (H,W,4) array -> 2-D float64 in [0, 1]."""
    if isinstance(image, Image.Image):
        return _pil_to_grey(image).astype(np.float64)
    try:
        a = np.asarray(image)
    except Exception as error:  # noqa: BLE001 - anything not array-like
        raise ImageError(f"cannot read the picture as an array ({error}).") from None
    if a.dtype == object or not (
        np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_
    ):
        raise ImageError(f"a picture must hold numbers, not {a.dtype}.")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] in (2, 3, 4))):
        raise ImageError(
            "a picture must be a 2-D greyscale array (H, W) or a colour array "
            f"(H, W, 3) / (H, W, 4); got shape {a.shape}."
        )
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise EmptyImageError(f"the picture is empty ({a.shape[0]}x{a.shape[1]} pixels): it holds no ink.")

    # scale to 0..1
    if a.dtype == np.bool_:
        f = a.astype(np.float64)
    elif np.issubdtype(a.dtype, np.integer):
        f = a.astype(np.float64)
        top = float(f.max())
        if top <= 255:
            f /= 255.0
        else:  # 16-bit pictures (or wider integers): their own full scale
            f /= 65535.0 if top <= 65535 else top
    else:
        f = a.astype(np.float64)
        if not np.all(np.isfinite(f)):
            raise ImageError("the picture holds NaN or infinite values.")
        if f.max() > 1.0 + 1e-6:  # a float array on the 0..255 scale
            f /= 255.0
    f = np.clip(f, 0.0, 1.0)

    if f.ndim == 2:
        return f
    channels = f.shape[2]
    if channels == 2:  # grey + alpha
        return _composite(f[:, :, 0], f[:, :, 1])
    lum = 0.299 * f[:, :, 0] + 0.587 * f[:, :, 1] + 0.114 * f[:, :, 2]  # as Pillow's "L"
    if channels == 4:
        return _composite(lum, f[:, :, 3])
    return lum


def _area_reduce(a: np.ndarray, factor: int) -> np.ndarray:
    """Average ``factor`` x ``factor`` blocks (the last partial blocks padded by edge values)."""
    if factor <= 1:
        return a
    h, w = a.shape
    ph, pw = -h % factor, -w % factor
    if ph or pw:
        a = np.pad(a, ((0, ph), (0, pw)), mode="edge")
    return a.reshape(a.shape[0] // factor, factor, a.shape[1] // factor, factor).mean(axis=(1, 3))


def _border_index(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of a frame around the picture (2 % of its size, at least 1 px)."""
    h, w = shape
    t = max(1, int(round(0.02 * min(h, w))))
    if 2 * t >= h or 2 * t >= w:
        ys, xs = np.mgrid[0:h, 0:w]
        return ys.ravel(), xs.ravel()
    ys, xs = np.mgrid[0:h, 0:w]
    frame = np.zeros((h, w), dtype=bool)
    frame[:t] = frame[-t:] = True
    frame[:, :t] = frame[:, -t:] = True
    return ys[frame], xs[frame]


def _robust_sigma(values: np.ndarray) -> float:
    """Noise standard deviation from the median absolute deviation."""
    if values.size == 0:
        return 0.0
    med = np.median(values)
    return float(1.4826 * np.median(np.abs(values - med)))


def _page_noise(residual: np.ndarray) -> float:
    """Noise deviation of the page from its border's residuals (page level removed).

    Robust to a page clipped at white or black: a white page's noise is often clipped at 255,
    so half the border sits exactly on the page level and the median absolute deviation says
    "no noise".  The unclipped side still shows it: the median of a half-normal deviation is
    0.674 sigma.  That side is only trusted when it holds a good share of the border (so a
    stroke touching the border does not count as noise).
    """
    sigma = _robust_sigma(residual)
    for side in (residual[residual > 0], -residual[residual < 0]):
        if side.size > 0.25 * residual.size:
            half = float(np.median(side)) / 0.674
            if half < 0.25:  # larger is ink along the border of a tight crop, not noise
                sigma = max(sigma, half)
    return sigma


def _page(g: np.ndarray) -> tuple[np.ndarray | float, float]:
    """The page's level and its noise: ``(level, sigma)``.

    The level is the median of the border frame — or, on pictures big enough to be photos,
    a plane fitted robustly to the frame when the page is visibly lit unevenly (a linear
    gradient of light across a photographed sheet), so the whole page reads as page.
    """
    ys, xs = _border_index(g.shape)
    values = g[ys, xs].astype(np.float64)
    level = float(np.median(values))
    residual = values - level
    h, w = g.shape
    if min(h, w) >= 48:
        design = np.column_stack([np.ones_like(values), xs / w - 0.5, ys / h - 0.5])
        keep = np.abs(residual) <= 3.0 * _robust_sigma(values) + 0.02
        for _ in range(2):
            if keep.sum() < 10:
                break
            coef, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
            fit_res = values - design @ coef
            coef[0] += float(np.median(fit_res))  # median level: right on a clipped page
            fit_res = values - design @ coef
            keep = np.abs(fit_res) <= 3.0 * _robust_sigma(fit_res) + 0.02
        else:
            # a slope worth modelling: the page changes by more than 0.04 across the picture
            if max(abs(coef[1]), abs(coef[2])) > 0.04:
                yy = (np.arange(h, dtype=np.float64)[:, None] / h - 0.5) * coef[2]
                xx = (np.arange(w, dtype=np.float64)[None, :] / w - 0.5) * coef[1]
                return coef[0] + yy + xx, _page_noise(fit_res)
    return level, _page_noise(residual)


# --- polarity -------------------------------------------------------------------------------------


def find_polarity(grey) -> bool:
    """True when the ink is dark on a light page, False when it is light on a dark page.

    ``grey`` is a 2-D greyscale array (uint8 0..255 or float 0..1; colour arrays are turned to
    grey first).  The page is the level of the picture's border frame (its median, or a plane
    when a photo's page is lit unevenly), which is page even when the digit touches an edge;
    the ink is what stands out from it beyond the page's noise: if more of the picture lies
    darker than the page than lighter, the ink is dark.  A picture where nothing stands out
    (blank or uniform) counts as dark-on-light when its page is light.
    """
    g = _to_grey(grey)
    return _polarity(g, *_page(g))


def _polarity(g: np.ndarray, page, sigma: float) -> bool:
    noise = 3.0 * sigma + 0.02
    dev = g - page
    darker = float(np.clip(-dev - noise, 0, None).sum())
    lighter = float(np.clip(dev - noise, 0, None).sum())
    if darker == lighter:  # nothing stands out: guess from the page level
        return float(np.mean(page)) >= 0.5
    return darker > lighter


# --- specks ---------------------------------------------------------------------------------------


def _label_runs(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """8-connected components of a small boolean mask, by runs and union-find.

    Returns ``(labels, n)``: ``labels`` holds 0 for background and 1..n for components.
    """
    h, w = mask.shape
    padded = np.zeros((h, w + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    d = np.diff(padded, axis=1)
    rows, starts = np.nonzero(d == 1)
    _, ends = np.nonzero(d == -1)  # exclusive
    n = len(rows)
    labels = np.zeros((h, w), dtype=np.int32)
    if n == 0:
        return labels, 0
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    row_first = np.searchsorted(rows, np.arange(h + 1))
    for r in range(1, h):
        a0, a1 = row_first[r - 1], row_first[r]
        b0, b1 = row_first[r], row_first[r + 1]
        i, j = a0, b0
        while i < a1 and j < b1:
            # 8-connected: [s, e) runs touch when s_a <= e_b and s_b <= e_a
            if starts[i] <= ends[j] and starts[j] <= ends[i]:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
            if ends[i] < ends[j]:
                i += 1
            else:
                j += 1
    roots = {}
    for k in range(n):
        root = find(k)
        lab = roots.setdefault(root, len(roots) + 1)
        labels[rows[k], starts[k] : ends[k]] = lab
    return labels, len(roots)


def _dilate_bool(mask: np.ndarray, radius: int) -> np.ndarray:
    """Square dilation of a boolean mask by ``radius`` pixels (separable)."""
    if radius <= 0:
        return mask
    out = mask.copy()
    for axis in (0, 1):
        src = out.copy()
        for s in range(1, radius + 1):
            if axis == 0:
                out[s:] |= src[:-s]
                out[:-s] |= src[s:]
            else:
                out[:, s:] |= src[:, :-s]
                out[:, :-s] |= src[:, s:]
    return out


def _drop_specks(ink: np.ndarray) -> np.ndarray:
    """Zero isolated specks: blobs far from the rest that hold a tiny share of the ink."""
    h, w = ink.shape
    factor = max(1, math.ceil(max(h, w) / 200))
    small = _area_reduce(ink, factor) if factor > 1 else ink
    mass = small * factor * factor
    mask = small > 0
    gap = max(1, int(round(_SPECK_GAP * max(small.shape))))
    labels, n = _label_runs(_dilate_bool(mask, gap))
    if n <= 1:
        return ink
    labels = np.where(mask, labels, 0)
    sums = np.bincount(labels.ravel(), weights=mass.ravel(), minlength=n + 1)[1:]
    total = sums.sum()
    keep = sums >= _SPECK_MASS * total
    keep[int(np.argmax(sums))] = True
    if keep.all():
        return ink
    keep_small = np.concatenate([[False], keep])[labels]
    if factor > 1:
        keep_full = np.repeat(np.repeat(keep_small, factor, axis=0), factor, axis=1)[:h, :w]
    else:
        keep_full = keep_small
    return np.where(keep_full, ink, 0.0)


# --- stroke thickness -----------------------------------------------------------------------------


def _stroke_width(ink: np.ndarray) -> float:
    """Mean stroke width in pixels of an ink image whose strongest ink is 1.

    Width = 2 * area / perimeter: the area is the ink's mass (anti-aliased edges count by their
    share), the perimeter counts the ink/page transitions of the half-intensity mask along rows
    and columns.  That staircase perimeter overstates a slanted edge's length by 4/pi on average
    over directions, so the result is scaled back by 4/pi (checked on rendered pens of known
    width: within 3 %).
    """
    mask = np.pad(ink >= 0.5, 1)
    perimeter = np.count_nonzero(np.diff(mask, axis=0)) + np.count_nonzero(np.diff(mask, axis=1))
    if perimeter == 0:
        return float("inf")
    return (4.0 / math.pi) * 2.0 * float(ink.sum()) / float(perimeter)


def _disk_offsets(radius: float) -> list[tuple[int, int]]:
    r = int(math.ceil(radius))
    return [
        (dy, dx)
        for dy in range(-r, r + 1)
        for dx in range(-r, r + 1)
        if dy * dy + dx * dx <= radius * radius + 1e-9
    ]


def _grey_dilate(ink: np.ndarray, radius: float) -> np.ndarray:
    """Grey-level dilation by a disk (max over the disk), growing the picture by the radius."""
    r = int(math.ceil(radius))
    h, w = ink.shape
    out = np.zeros((h + 2 * r, w + 2 * r), dtype=ink.dtype)
    for dy, dx in _disk_offsets(radius):
        view = out[r + dy : r + dy + h, r + dx : r + dx + w]
        np.maximum(view, ink, out=view)
    return out


def _thicken(ink: np.ndarray) -> np.ndarray:
    """Thicken strokes far thinner than MNIST's (relative to the digit's size); else as is."""
    side = max(ink.shape)
    if side < 2.5 * MNIST_BOX:  # small drawings: strokes already fill whole pixels at 20 px
        return ink
    width = _stroke_width(ink)
    if not math.isfinite(width) or width >= _THIN_STROKE * side:
        return ink
    radius = (_TARGET_STROKE * side - width) / 2.0
    if radius < 0.5:
        return ink
    return _grey_dilate(ink, radius)


# --- scaling and centring -------------------------------------------------------------------------


def _resize(ink: np.ndarray, width: int, height: int, method=Image.LANCZOS) -> np.ndarray:
    im = Image.fromarray(np.ascontiguousarray(ink, dtype=np.float32), mode="F")
    return np.asarray(im.resize((width, height), method), dtype=np.float64)


def _scale_to_box(ink: np.ndarray) -> np.ndarray:
    """Scale so that the longer side is MNIST_BOX px, aspect kept, anti-aliased."""
    h, w = ink.shape
    side = max(h, w)
    # area-average big crops down to the working size first (exact, no aliasing) ...
    if side > _WORK_SIDE:
        scale = _WORK_SIDE / side
        ink = _resize(ink, max(1, round(w * scale)), max(1, round(h * scale)), Image.BOX)
    ink = ink / max(float(ink.max()), 1e-12)
    ink = _thicken(ink)
    h, w = ink.shape
    side = max(h, w)
    nh = max(1, int(round(h * MNIST_BOX / side)))
    nw = max(1, int(round(w * MNIST_BOX / side)))
    # ... then to 20 px: area averaging when reducing (the grey levels are the share of each
    # pixel the ink covers, as in MNIST), Lanczos when a tiny drawing has to grow
    method = Image.BOX if side >= MNIST_BOX else Image.LANCZOS
    return np.clip(_resize(ink, nw, nh, method), 0.0, None)


def _centre(patch: np.ndarray) -> np.ndarray:
    """Place ``patch`` in a 28x28 field with its centre of mass at (14, 14), whole-pixel shift."""
    h, w = patch.shape
    total = patch.sum()
    ys = np.arange(h, dtype=np.float64)
    xs = np.arange(w, dtype=np.float64)
    cy = float((patch.sum(axis=1) * ys).sum() / total)
    cx = float((patch.sum(axis=0) * xs).sum() / total)
    top = int(math.floor(MNIST_CENTRE - cy + 0.5))
    left = int(math.floor(MNIST_CENTRE - cx + 0.5))
    field = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.float64)
    y0, x0 = max(0, top), max(0, left)
    y1, x1 = min(MNIST_SIZE, top + h), min(MNIST_SIZE, left + w)
    if y1 > y0 and x1 > x0:
        field[y0:y1, x0:x1] = patch[y0 - top : y1 - top, x0 - left : x1 - left]
    return field


# --- the pipeline ---------------------------------------------------------------------------------


def _ink_layer(g: np.ndarray) -> np.ndarray:
    """Greyscale page -> ink image (page 0, ink > 0, strongest ink 1), or EmptyImageError."""
    page, sigma = _page(g)
    dark_ink = _polarity(g, page, sigma)
    ink = page - g if dark_ink else g - page
    peak = float(ink.max())
    if peak < max(_MIN_CONTRAST, _NOISE_SIGMAS_EMPTY * sigma):
        if peak <= 1e-6:
            what = "is blank (a single uniform level)"
        else:
            what = "shows only faint marks or noise"
        raise EmptyImageError(
            f"the picture {what}: it holds no ink to read as a digit. "
            "Draw or photograph a digit with clear contrast against its page."
        )
    # hysteresis: ink is what clearly stands out, plus its fainter fringe (anti-aliased edges)
    strong = ink > max(_NOISE_SIGMAS_STRONG * sigma, _RELATIVE_STRONG * peak)
    near = _dilate_bool(strong, max(1, int(round(max(ink.shape) / 200))))
    ink = np.where(near & (ink > max(_NOISE_SIGMAS_FLOOR * sigma, _RELATIVE_FLOOR * peak)), ink, 0.0)
    ink = _drop_specks(ink)
    return ink / float(ink.max())


def preprocess_digit(image) -> np.ndarray:
    """Turn a picture of one handwritten digit into MNIST's format: uint8 (28, 28), white on black.

    ``image`` is a 2-D greyscale array (H, W) or a colour array (H, W, 3) / (H, W, 4) (RGBA is
    composited onto white), ``uint8`` 0..255 or float 0..1 (a float array with values above 1
    is read as 0..255); dark ink on a light page and light ink on a dark page both work.  The
    digit is cropped to its ink, scaled to a 20-px longer side (aspect kept, anti-aliased),
    strokes much thinner than MNIST's are thickened a little, and it is placed with its centre
    of mass at (14, 14); the strongest ink is 255.

    Raises :class:`EmptyImageError` when the picture holds no ink (blank, uniform, or only faint
    noise) and :class:`ImageError` when it is not a picture array at all.
    """
    g = _to_grey(image)
    factor = math.ceil(max(g.shape) / _MAX_INPUT_SIDE)
    if factor >= 2:
        g = _area_reduce(g, factor)
    ink = _ink_layer(g)

    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    patch = _scale_to_box(crop)
    patch[patch < 0.02 * patch.max()] = 0.0  # Lanczos ringing
    patch /= float(patch.max())
    field = _centre(patch)
    return np.clip(np.rint(field * 255.0), 0, 255).astype(np.uint8)


def preprocess_file(path) -> np.ndarray:
    """:func:`load_image` then :func:`preprocess_digit`; every error names the file."""
    grey = load_image(path)
    name = os.fspath(path)
    try:
        return preprocess_digit(grey)
    except EmptyImageError as error:
        raise EmptyImageError(f"{name}: {error}") from None
    except ImageError as error:
        raise ImageError(f"{name}: {error}") from None
