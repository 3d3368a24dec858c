"""Cheap picture measures per sample, and which pieces are junk (too dark, blank, a still slate, blurred).

Why: a summary must never spend its budget on black frames, single-colour cards or
title slates while real content fits, and the backbone's features do not say "black"
reliably (the model can still rate a black shot high against a dull video). These
measures come from the decoded pixels that feature extraction already has in memory,
on a small grey copy of each sample (a few milliseconds per hundred samples), and are
cached with the features.

Columns of the (n, 5) float32 array, luma on the 0-255 scale:
  0 luma       mean brightness
  1 contrast   standard deviation of the brightness
  2 sharpness  mean absolute Laplacian of the grey copy (edges; ~0 for a blurred frame)
  3 motion     mean absolute difference to the previous sample's grey copy
               (the first sample copies the second's value)
  4 flat       share of pixels within FLAT_BAND of the median brightness (a slate's
               background covers most of the frame)
"""

from __future__ import annotations

from typing import Optional

import numpy as np

COLUMNS = ("luma", "contrast", "sharpness", "motion", "flat")
GREY_SIDE = 96
"""Longest side of the grey copy the measures are taken on."""
FLAT_BAND = 12.0
"""Brightness distance from the median that counts as "background" for ``flat``."""

DARK_LUMA = 24.0
"""A piece whose median brightness is below this is "too dark to see" (black, night-black)."""
FLAT_CONTRAST = 7.0
"""A piece whose median contrast is below this is one colour (a blank card, a fade)."""
STATIC_MOTION = 0.8
"""With STATIC_FLAT: a piece whose samples barely change (median motion below this) ..."""
STATIC_FLAT = 0.55
"""... and whose frames are mostly one flat background is a still slate (a title card)."""
BLUR_SHARPNESS = 4.5
"""A piece whose median sharpness is below this has no edges left: too blurred to see."""

JUNK_WORDS = {
    "dark": "too dark",
    "flat": "a single colour",
    "static": "a still slate",
    "blurred": "too blurred",
}
"""Plain words for each junk kind (timeline legend and hover)."""


def _grey(images: np.ndarray) -> np.ndarray:
    """(B, h, w) float32 brightness of an RGB uint8 batch, subsampled to ~GREY_SIDE."""
    b, h, w = images.shape[:3]
    step = max(1, int(np.ceil(max(h, w) / GREY_SIDE)))
    small = images[:, ::step, ::step, :3].astype(np.float32)
    return small @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def measure(
    images: np.ndarray, previous: Optional[np.ndarray] = None
) -> tuple[np.ndarray, Optional[np.ndarray]]:
    """Measures of a batch (B, H, W, 3) uint8 -> ((B, 5) float32, last grey copy).

    ``previous`` is the grey copy of the sample before the batch (None at the start), so
    batches in time order give the same motion column as one big batch.
    """
    g = _grey(np.asarray(images))
    b = g.shape[0]
    out = np.zeros((b, len(COLUMNS)), dtype=np.float32)
    if b == 0:
        return out, previous
    flat_g = g.reshape(b, -1)
    out[:, 0] = flat_g.mean(axis=1)
    out[:, 1] = flat_g.std(axis=1)
    lap = (
        np.abs(
            4 * g[:, 1:-1, 1:-1]
            - g[:, :-2, 1:-1]
            - g[:, 2:, 1:-1]
            - g[:, 1:-1, :-2]
            - g[:, 1:-1, 2:]
        )
        if min(g.shape[1:]) > 2
        else np.zeros((b, 1, 1))
    )
    out[:, 2] = lap.reshape(b, -1).mean(axis=1)
    prev = previous if previous is not None and previous.shape == g.shape[1:] else None
    out[1:, 3] = np.abs(g[1:] - g[:-1]).mean(axis=(1, 2))
    out[0, 3] = np.nan if prev is None else float(np.abs(g[0] - prev).mean())
    med = np.median(flat_g, axis=1, keepdims=True)
    out[:, 4] = (np.abs(flat_g - med) <= FLAT_BAND).mean(axis=1)
    return out, g[-1]


def finish(values: np.ndarray) -> np.ndarray:
    """Fill the first sample's unknown motion with the next one's (after all batches)."""
    q = np.asarray(values, dtype=np.float32).copy()
    if len(q) and not np.isfinite(q[0, 3]):
        q[0, 3] = q[1, 3] if len(q) > 1 and np.isfinite(q[1, 3]) else 0.0
    return q


def junk_kind(q: np.ndarray) -> str:
    """ "" or the junk kind ("dark", "flat", "static", "blurred") of a piece's samples (m, 5)."""
    q = np.asarray(q, dtype=np.float32).reshape(-1, len(COLUMNS))
    if len(q) == 0:
        return ""
    luma, contrast, sharp, motion, flat = np.median(q, axis=0)
    if luma < DARK_LUMA:
        return "dark"
    if contrast < FLAT_CONTRAST:
        return "flat"
    if motion < STATIC_MOTION and flat > STATIC_FLAT:
        return "static"
    if sharp < BLUR_SHARPNESS:
        return "blurred"
    return ""


__all__ = ["COLUMNS", "measure", "finish", "junk_kind", "JUNK_WORDS"]
