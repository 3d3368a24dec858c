"""Synthetic benchmark h5 files for the research tests (no real dataset needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from trim_desktop.research.h5data import VideoRecord, write_h5


def hand_video(key: str = "video_1") -> VideoRecord:
    """30 frames, samples every 5 frames, 5 shots, 2 users: small enough to check by hand.

    Shots (frames): 0-3, 4-9, 10-13, 14-19, 20-29. User 1 selects frames 10-14, user 2
    frames 0-3. Annotator scores are constant between samples: user 1 gives 1,2,5,4,3,3 at
    the samples, user 2 gives 1,2,6,5,3,4.
    """
    picks = np.arange(0, 30, 5)
    u1 = np.repeat([1, 2, 5, 4, 3, 3], 5).astype(np.float32)
    u2 = np.repeat([1, 2, 6, 5, 3, 4], 5).astype(np.float32)
    summ = np.zeros((2, 30), np.uint8)
    summ[0, 10:15] = 1
    summ[1, 0:4] = 1
    rng = np.random.default_rng(0)
    return VideoRecord(
        key=key,
        features=rng.normal(size=(6, 8)).astype(np.float32),
        picks=picks,
        n_frames=30,
        change_points=np.array([[0, 3], [4, 9], [10, 13], [14, 19], [20, 29]]),
        user_summary=summ,
        user_scores=np.stack([u1, u2]),
        gtscore=np.array([0.1, 0.2, 0.9, 0.8, 0.3, 0.4], np.float32),
        gtsummary=np.array([0, 0, 1, 0, 0, 0], np.float32),
    )


def random_video(key: str, rng: np.random.Generator, dim: int = 16, users: int = 3) -> VideoRecord:
    """A video of a few "scenes" (feature clusters) with shots, user summaries and scores."""
    n_steps = int(rng.integers(24, 40))
    n_frames = n_steps * 15 - int(rng.integers(0, 15))
    picks = np.arange(0, n_frames, 15)[:n_steps]
    scenes = rng.normal(size=(4, dim)) * 2.0
    labels = np.sort(rng.integers(0, 4, n_steps))
    feats = np.abs(scenes[labels] + 0.3 * rng.normal(size=(n_steps, dim))).astype(np.float32)
    bounds = np.unique(
        np.r_[0, np.sort(rng.choice(np.arange(30, n_frames - 30), 5, replace=False)), n_frames]
    )
    cps = np.stack([bounds[:-1], bounds[1:] - 1], axis=1)
    user_scores = np.clip(np.round(rng.normal(3, 1, size=(users, n_frames))), 1, 5).astype(
        np.float32
    )
    user_summary = np.zeros((users, n_frames), np.uint8)
    for u in range(users):
        start = int(rng.integers(0, n_frames - n_frames // 7))
        user_summary[u, start : start + n_frames // 7] = 1
    return VideoRecord(
        key=key,
        features=feats,
        picks=picks,
        n_frames=n_frames,
        change_points=cps,
        user_summary=user_summary,
        user_scores=user_scores,
        gtscore=user_scores[:, picks].mean(0) / 5.0,
    )


def make_collection(
    path: Path | str,
    n_videos: int = 10,
    dim: int = 16,
    seed: int = 0,
    with_user_scores: bool = True,
) -> Path:
    rng = np.random.default_rng(seed)
    records = [random_video(f"video_{i}", rng, dim) for i in range(1, n_videos + 1)]
    if not with_user_scores:
        for r in records:
            r.user_scores = None
    write_h5(path, records)
    return Path(path)
