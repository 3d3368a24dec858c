"""The features of one video, as extraction makes them and the cache stores them.

Apart from ``features.py`` (which imports torch and the backbones) so the cache can
rebuild one without importing the extractor: imports point one way, features -> cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .decode.info import VideoInfo


@dataclass
class Features:
    """Per-sample features of one video and the settings that produced them."""

    values: np.ndarray  # (n, D) float32, raw (not L2-normalised: the losses need that)
    frame_indices: np.ndarray  # (n,) int64, decode-order frame index of each sample
    timestamps: np.ndarray  # (n,) float64, seconds from the video's start
    backbone: str
    preprocess: str
    rate: float
    info: VideoInfo
    from_cache: bool = False
    backbone_reason: str = ""
    quality: Optional[np.ndarray] = None  # (n, 5) float32 picture measures (core.quality), for junk

    @property
    def n(self) -> int:
        return int(self.values.shape[0])

    @property
    def dim(self) -> int:
        return int(self.values.shape[1])


__all__ = ["Features"]
