"""Shot scores, the 0/1 knapsack, and the Summary the GUI edits and export cuts.

Selection follows the evaluation protocol used by DSNet/CSTA (Sect. 4.2): sample scores
are held constant up to the next sample at frame level, a shot's score is the mean frame
score inside it, and a 0/1 knapsack over shots (weight = shot length in frames) fills
``int(n_frames * budget)`` frames.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd
from typing import Any, Optional, Sequence

import numpy as np

from .progress import CancelToken, ProgressFn, check, report

__all__ = ["shot_scores", "knapsack", "Segment", "Summary", "build_summary",
           "summary_from_features", "sample_frame_counts"]


def sample_frame_counts(frame_indices: np.ndarray, n_frames: int) -> np.ndarray:
    """Frames each sample stands for: up to the next sample (first from 0, last to the end)."""
    fi = np.asarray(frame_indices, dtype=np.int64)
    if fi.size == 0:
        return np.zeros(0, dtype=np.int64)
    nxt = np.append(fi[1:], max(int(n_frames), int(fi[-1]) + 1))
    counts = nxt - fi
    counts[0] += fi[0]
    return counts


def shot_scores(sample_scores: np.ndarray, shots: np.ndarray,
                frame_counts: Optional[np.ndarray] = None) -> np.ndarray:
    """Mean score per shot (float64); frame-weighted when ``frame_counts`` is given.

    Weighting by the frames each sample covers equals the reference's mean over frame
    scores when sample scores are held constant up to the next sample.
    """
    s = np.asarray(sample_scores, dtype=np.float64)
    shots = np.asarray(shots, dtype=np.int64).reshape(-1, 2)
    w = (np.ones_like(s) if frame_counts is None
         else np.asarray(frame_counts, dtype=np.float64))
    if w.shape != s.shape:
        raise ValueError("frame_counts must have one entry per sample")
    cs = np.concatenate(([0.0], np.cumsum(s * w)))
    cw = np.concatenate(([0.0], np.cumsum(w)))
    a, b = shots[:, 0], shots[:, 1] + 1
    tot = cw[b] - cw[a]
    out = np.zeros(len(shots))
    ok = tot > 0
    out[ok] = (cs[b] - cs[a])[ok] / tot[ok]
    # zero-weight shots: plain mean (avoids 0/0)
    for k in np.flatnonzero(~ok):
        out[k] = float(np.mean(s[a[k]:b[k]])) if b[k] > a[k] else 0.0
    return out


def knapsack(values: Sequence[float], weights: Sequence[int], capacity: int,
             cancel: Optional[CancelToken] = None) -> list[int]:
    """Exact 0/1 knapsack: indices (ascending) of the items of greatest total value.

    DP over integer capacity, vectorised with numpy over capacity for each item. Ties are
    deterministic: an item is taken only when it strictly improves the value, so among
    equal optima the one using earlier items wins (as in the reference DP). Weights and
    capacity are divided by the gcd of the weights (exact); decision bits are packed so a
    long video (thousands of shots, 10^5 frames of capacity) stays in tens of MB.
    """
    v = np.asarray(values, dtype=np.float64).reshape(-1)
    w = np.asarray(weights, dtype=np.int64).reshape(-1)
    if v.shape != w.shape:
        raise ValueError("values and weights must have the same length")
    if np.any(w < 0):
        raise ValueError("weights must be non-negative")
    cap = int(capacity)
    if cap < 0 or v.size == 0:
        return []
    g = 0
    for x in w.tolist():
        g = gcd(g, x)
    if g > 1:
        w = w // g
        cap = cap // g
    table = np.zeros(cap + 1)
    keep = []  # per item: packed bits of "taken at this capacity"
    for i in range(v.size):
        if i % 64 == 0:
            check(cancel)
        wi, vi = int(w[i]), float(v[i])
        if wi > cap:
            keep.append(None)
            continue
        cand = table[:cap + 1 - wi] + vi  # a new array: safe to update table below
        better = cand > table[wi:]
        table[wi:] = np.where(better, cand, table[wi:])
        take = np.zeros(cap + 1, dtype=bool)
        take[wi:] = better
        keep.append(np.packbits(take))
    picks = []
    c = cap
    for i in range(v.size - 1, -1, -1):
        bits = keep[i]
        if bits is not None and (bits[c >> 3] >> (7 - (c & 7))) & 1:
            picks.append(i)
            c -= int(w[i])
    return sorted(picks)


@dataclass
class Segment:
    """One shot: frames ``start_frame..end_frame`` (inclusive), time ``[start_time, end_time)``."""

    index: int
    start_frame: int
    end_frame: int
    start_time: float
    end_time: float
    score: float
    selected: bool = False

    @property
    def n_frames(self) -> int:
        return self.end_frame - self.start_frame + 1

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time

    def to_dict(self) -> dict[str, Any]:
        return {"index": int(self.index), "start_frame": int(self.start_frame),
                "end_frame": int(self.end_frame), "start_time": float(self.start_time),
                "end_time": float(self.end_time), "score": float(self.score),
                "selected": bool(self.selected)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Segment":
        return cls(int(d["index"]), int(d["start_frame"]), int(d["end_frame"]),
                   float(d["start_time"]), float(d["end_time"]), float(d["score"]),
                   bool(d["selected"]))


@dataclass
class Summary:
    """All shots with their selection, plus what is needed to redraw and re-export.

    ``budget`` is a fraction of the video; ``sample_scores`` (float32),
    ``frame_indices`` (int64), ``timestamps`` (float64) are per sample.
    """

    segments: list[Segment]
    sample_scores: np.ndarray
    frame_indices: np.ndarray
    timestamps: np.ndarray
    duration: float
    n_frames: int
    budget: float
    fps: Optional[float] = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sample_scores = np.asarray(self.sample_scores, dtype=np.float32).reshape(-1)
        self.frame_indices = np.asarray(self.frame_indices, dtype=np.int64).reshape(-1)
        self.timestamps = np.asarray(self.timestamps, dtype=np.float64).reshape(-1)
        self.duration = float(self.duration)
        self.n_frames = int(self.n_frames)
        self.budget = float(self.budget)
        self.fps = None if self.fps is None else float(self.fps)

    @property
    def selected(self) -> list[Segment]:
        return [s for s in self.segments if s.selected]

    @property
    def selected_duration(self) -> float:
        return float(sum(s.duration for s in self.segments if s.selected))

    @property
    def selected_frames(self) -> int:
        return int(sum(s.n_frames for s in self.segments if s.selected))

    @property
    def budget_seconds(self) -> float:
        return self.duration * self.budget

    @property
    def capacity_frames(self) -> int:
        return int(self.n_frames * self.budget)

    def toggle(self, i: int) -> bool:
        """User touch-up: flip shot ``i``'s selection; returns the new flag.

        The budget is not enforced here: the user may go over it on purpose.
        """
        seg = self.segments[i]
        seg.selected = not seg.selected
        return seg.selected

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (plain lists, ints, floats); ``from_dict`` restores it exactly."""
        return {"segments": [s.to_dict() for s in self.segments],
                "sample_scores": [float(x) for x in self.sample_scores],
                "frame_indices": [int(x) for x in self.frame_indices],
                "timestamps": [float(x) for x in self.timestamps],
                "duration": self.duration, "n_frames": self.n_frames,
                "budget": self.budget, "fps": self.fps, "extra": dict(self.extra)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Summary":
        return cls(segments=[Segment.from_dict(s) for s in d["segments"]],
                   sample_scores=np.asarray(d["sample_scores"], dtype=np.float32),
                   frame_indices=np.asarray(d["frame_indices"], dtype=np.int64),
                   timestamps=np.asarray(d["timestamps"], dtype=np.float64),
                   duration=d["duration"], n_frames=d["n_frames"], budget=d["budget"],
                   fps=d.get("fps"), extra=dict(d.get("extra") or {}))


def split_long_shots(shots: np.ndarray, frame_indices: np.ndarray, n_frames: int,
                     capacity: int) -> np.ndarray:
    """Split every shot longer than the whole budget into equal pieces that fit it.

    The reference protocol leaves such shots unselectable, so a short video with a few
    long scenes would get an empty summary. Here a shot of F > capacity frames becomes
    the fewest equal runs of samples whose frame spans all fit (a piece never gets
    smaller than one sample). Shots that already fit are unchanged, so on benchmark-like
    inputs this is the reference behaviour.
    """
    fi = np.asarray(frame_indices, dtype=np.int64)
    if capacity <= 0 or len(shots) == 0:
        return shots
    starts = np.append(fi, n_frames)  # frame where each sample's span starts; sentinel at end

    def span(a: int, b: int) -> int:  # frames covered by samples a..b (shot 0 from frame 0)
        return int(starts[b + 1] - (0 if a == 0 else starts[a]))

    out = []
    for a, b in shots:
        a, b = int(a), int(b)
        if span(a, b) <= capacity or a == b:
            out.append((a, b))
            continue
        count = b - a + 1
        k = max(2, int(np.ceil(span(a, b) / capacity)))
        while True:
            edges = np.linspace(a, b + 1, min(k, count) + 1).round().astype(int)
            pieces = [(int(lo), int(hi) - 1) for lo, hi in zip(edges[:-1], edges[1:]) if hi > lo]
            if k >= count or all(span(lo, hi) <= capacity for lo, hi in pieces):
                break
            k += 1
        out.extend(pieces)
    return np.asarray(out, dtype=np.int64).reshape(-1, 2)


def build_summary(frame_indices: np.ndarray, timestamps: np.ndarray,
                  sample_scores: np.ndarray, shots: np.ndarray, n_frames: int,
                  duration: float, budget: float = 0.15, fps: Optional[float] = None,
                  progress: Optional[ProgressFn] = None,
                  cancel: Optional[CancelToken] = None) -> Summary:
    """Shots (sample ranges) -> frame/time segments, scored and selected by knapsack.

    Shot k runs from its first sample's frame (shot 0 from frame 0 / time 0) to the
    frame before the next shot's first sample; the last shot to ``n_frames - 1`` /
    ``duration``, so the segments tile the video. Weight = frames, capacity =
    ``int(n_frames * budget)``, as in the reference protocol; shots longer than the
    whole budget are first split so that something can be chosen (:func:`split_long_shots`).
    """
    fi = np.asarray(frame_indices, dtype=np.int64).reshape(-1)
    ts = np.asarray(timestamps, dtype=np.float64).reshape(-1)
    sc = np.asarray(sample_scores, dtype=np.float32).reshape(-1)
    shots = np.asarray(shots, dtype=np.int64).reshape(-1, 2)
    n = fi.size
    if ts.size != n or sc.size != n:
        raise ValueError("frame_indices, timestamps and sample_scores differ in length")
    if n and (np.any(np.diff(fi) <= 0)):
        raise ValueError("frame_indices must be strictly increasing")
    if n and (shots.size == 0 or shots[0, 0] != 0 or shots[-1, 1] != n - 1
              or np.any(shots[1:, 0] != shots[:-1, 1] + 1)
              or np.any(shots[:, 1] < shots[:, 0])):
        raise ValueError("shots must tile the samples 0..n-1")
    # n_frames / duration may be container estimates: never let them cut off samples
    n_frames = max(int(n_frames), int(fi[-1]) + 1 if n else 0)
    duration = float(duration)
    if n and duration < ts[-1]:
        duration = float(ts[-1] + (1.0 / fps if fps else 0.0))
    report(progress, "select", 0, 1)
    if n == 0:
        return Summary([], sc, fi, ts, duration, n_frames, budget, fps)
    capacity = int(n_frames * budget)
    shots = split_long_shots(shots, fi, n_frames, capacity)
    first = shots[:, 0]
    starts_f = fi[first].copy()
    starts_t = ts[first].copy()
    starts_f[0], starts_t[0] = 0, 0.0
    ends_f = np.append(starts_f[1:] - 1, n_frames - 1)
    ends_t = np.append(starts_t[1:], duration)
    scores = shot_scores(sc, shots, sample_frame_counts(fi, n_frames))
    weights = ends_f - starts_f + 1
    picks = set(knapsack(scores, weights, capacity, cancel=cancel))
    segs = [Segment(k, int(starts_f[k]), int(ends_f[k]), float(starts_t[k]),
                    float(ends_t[k]), float(scores[k]), k in picks)
            for k in range(len(shots))]
    report(progress, "select", 1, 1)
    return Summary(segs, sc, fi, ts, duration, n_frames, budget, fps)


def summary_from_features(features: Any, scores: np.ndarray, shots: np.ndarray,
                          budget: float = 0.15, progress: Optional[ProgressFn] = None,
                          cancel: Optional[CancelToken] = None) -> Summary:
    """``build_summary`` for a ``Features`` object (architecture.md's short form)."""
    info = features.info
    return build_summary(features.frame_indices, features.timestamps, scores, shots,
                         info.n_frames, info.duration, budget, getattr(info, "fps", None),
                         progress=progress, cancel=cancel)
