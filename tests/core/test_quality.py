"""Picture measures: black, blank, still slates and blurred frames are junk; real texture is not."""

from __future__ import annotations

import numpy as np

from trim_desktop.core import quality


def _texture(n, seed=0, moving=True):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (n, 64, 64, 3)).astype(np.float32)
    img = np.repeat(np.repeat(base, 4, axis=1), 4, axis=2)  # 256 x 256, blocky detail
    if not moving:
        img[:] = img[0]
    return img.astype(np.uint8)


def _measures(images):
    q, _ = quality.measure(images)
    return quality.finish(q)


def test_real_texture_is_not_junk():
    assert quality.junk_kind(_measures(_texture(6))) == ""


def test_black_and_dark_frames_are_too_dark():
    assert quality.junk_kind(_measures(np.zeros((4, 120, 160, 3), np.uint8))) == "dark"
    assert quality.junk_kind(_measures((_texture(4) * 0.05).astype(np.uint8))) == "dark"


def test_a_single_colour_card_is_flat():
    card = np.full((4, 120, 160, 3), (40, 160, 200), np.uint8)
    assert quality.junk_kind(_measures(card)) == "flat"


def test_a_still_title_slate_is_static():
    slate = np.full((6, 240, 320, 3), (30, 60, 140), np.uint8)
    slate[:, 100:140, 40:280] = 255  # a line of "text"
    slate[:, 110:130, 60:260] = 20
    assert quality.junk_kind(_measures(slate)) == "static"


def test_a_blurred_frame_is_blurred():
    rng = np.random.default_rng(1)
    smooth = rng.integers(40, 220, (4, 4, 4, 3)).astype(np.float32)
    big = np.stack([np.kron(f, np.ones((64, 64, 1))) for f in smooth])  # soft 256 x 256
    k = np.ones(31) / 31  # a strong box blur
    blurred = np.apply_along_axis(lambda r: np.convolve(r, k, "same"), 1, big)
    blurred = np.apply_along_axis(lambda r: np.convolve(r, k, "same"), 2, blurred)
    blurred += np.linspace(0, 30, 6)[:, None, None, None][:4]  # slow change: not static
    assert quality.junk_kind(_measures(blurred.clip(0, 255).astype(np.uint8))) == "blurred"


def test_motion_is_the_same_in_batches_as_in_one_go():
    imgs = _texture(7, seed=3)
    whole = _measures(imgs)
    q1, grey = quality.measure(imgs[:3])
    q2, grey = quality.measure(imgs[3:6], grey)
    q3, _ = quality.measure(imgs[6:], grey)  # a batch of one sample
    np.testing.assert_allclose(quality.finish(np.concatenate([q1, q2, q3])), whole, rtol=1e-6)
