"""Selection: which pieces of the video the summary keeps, and the Summary the GUI edits and export cuts.

Two selections share the Summary:

* ``"app"`` (the app's and trim-summarize's default, :func:`app_summary`): the summary
  follows the scores. Shots are cut into watchable pieces (:mod:`.pieces`); a greedy
  choice maximises *importance + coverage* per second of summary: importance is a
  piece's score (between the 5th and 95th percentiles), coverage is facility location
  over the pieces' features (each piece counts as covered by its most similar kept
  piece, every scene weighing the same), so a second copy of something already kept
  adds almost nothing and a short scene counts as much as a long one. Near-duplicates of a kept piece
  and junk (too dark, one colour, a still slate, blurred: :mod:`.quality`) are not
  kept while anything else fits. The budget is filled to within one sample.
* ``"paper"`` (:func:`build_summary`): the evaluation protocol used by DSNet/CSTA
  (Sect. 4.2): sample scores held constant up to the next sample at frame level, a
  shot's score is the mean frame score inside it, and a 0/1 knapsack over shots
  (weight = shot length in frames) fills ``int(n_frames * budget)`` frames. trim-eval
  always uses it, so that its numbers compare with the field's.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from math import gcd
from typing import Any, Optional

import numpy as np
from numpy.typing import ArrayLike

from . import pieces as pieces_mod
from . import quality
from .progress import CancelToken, ProgressFn, check, report

__all__ = [
    "shot_scores",
    "knapsack",
    "Segment",
    "Summary",
    "build_summary",
    "app_summary",
    "summary_from_features",
    "sample_frame_counts",
    "SELECTIONS",
    "APP_RULE",
]

SELECTIONS = ("app", "paper")
"""Selection methods: the app's (follows the scores, each thing once, no junk) and the field's knapsack."""
APP_RULE = (
    "Kept: the highest-scored pieces, each scene once; repeats, dark, blank, "
    "still or blurred pieces only when nothing else fits."
)
"""The app selection's rule in plain words (timeline legend, JSON output)."""
PAPER_RULE = "Kept: shots chosen by the field's knapsack over mean shot scores (research protocol)."
DIVERSITY = 1.0
"""Weight of coverage (facility location over the features) against importance (score rank)."""
DUPLICATE_SIMILARITY = 0.9
"""Cosine similarity of standardised piece features above which a piece repeats a kept one."""


def sample_frame_counts(frame_indices: np.ndarray, n_frames: int) -> np.ndarray:
    """Frames each sample stands for: up to the next sample (first from 0, last to the end)."""
    fi = np.asarray(frame_indices, dtype=np.int64)
    if fi.size == 0:
        return np.zeros(0, dtype=np.int64)
    nxt = np.append(fi[1:], max(int(n_frames), int(fi[-1]) + 1))
    counts = nxt - fi
    counts[0] += fi[0]
    return counts


def shot_scores(
    sample_scores: np.ndarray, shots: np.ndarray, frame_counts: Optional[np.ndarray] = None
) -> np.ndarray:
    """Mean score per shot (float64); frame-weighted when ``frame_counts`` is given.

    Weighting by the frames each sample covers equals the reference's mean over frame
    scores when sample scores are held constant up to the next sample.
    """
    s = np.asarray(sample_scores, dtype=np.float64)
    shots = np.asarray(shots, dtype=np.int64).reshape(-1, 2)
    w = np.ones_like(s) if frame_counts is None else np.asarray(frame_counts, dtype=np.float64)
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
        out[k] = float(np.mean(s[a[k] : b[k]])) if b[k] > a[k] else 0.0
    return out


def knapsack(
    values: ArrayLike, weights: ArrayLike, capacity: int, cancel: Optional[CancelToken] = None
) -> list[int]:
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
    keep: list[Optional[np.ndarray]] = []  # per item: packed bits of "taken at this capacity"
    for i in range(v.size):
        if i % 64 == 0:
            check(cancel)
        wi, vi = int(w[i]), float(v[i])
        if wi > cap:
            keep.append(None)
            continue
        cand = table[: cap + 1 - wi] + vi  # a new array: safe to update table below
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
    reason: str = ""  # plain words: why the selection kept or left this piece
    junk: str = ""  # "" or a quality.JUNK_WORDS kind ("dark", "flat", "static", "blurred")

    @property
    def n_frames(self) -> int:
        return self.end_frame - self.start_frame + 1

    @property
    def duration(self) -> float:
        return self.end_time - self.start_time

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": int(self.index),
            "start_frame": int(self.start_frame),
            "end_frame": int(self.end_frame),
            "start_time": float(self.start_time),
            "end_time": float(self.end_time),
            "score": float(self.score),
            "selected": bool(self.selected),
            "reason": self.reason,
            "junk": self.junk,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Segment:
        return cls(
            int(d["index"]),
            int(d["start_frame"]),
            int(d["end_frame"]),
            float(d["start_time"]),
            float(d["end_time"]),
            float(d["score"]),
            bool(d["selected"]),
            str(d.get("reason", "")),
            str(d.get("junk", "")),
        )


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
        seg.reason = "kept: added by hand" if seg.selected else "left out: removed by hand"
        return seg.selected

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (plain lists, ints, floats); ``from_dict`` restores it exactly."""
        return {
            "segments": [s.to_dict() for s in self.segments],
            "sample_scores": [float(x) for x in self.sample_scores],
            "frame_indices": [int(x) for x in self.frame_indices],
            "timestamps": [float(x) for x in self.timestamps],
            "duration": self.duration,
            "n_frames": self.n_frames,
            "budget": self.budget,
            "fps": self.fps,
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Summary:
        return cls(
            segments=[Segment.from_dict(s) for s in d["segments"]],
            sample_scores=np.asarray(d["sample_scores"], dtype=np.float32),
            frame_indices=np.asarray(d["frame_indices"], dtype=np.int64),
            timestamps=np.asarray(d["timestamps"], dtype=np.float64),
            duration=d["duration"],
            n_frames=d["n_frames"],
            budget=d["budget"],
            fps=d.get("fps"),
            extra=dict(d.get("extra") or {}),
        )


def split_long_shots(
    shots: np.ndarray, frame_indices: np.ndarray, n_frames: int, capacity: int
) -> np.ndarray:
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


def _checked(frame_indices, timestamps, sample_scores, shots, n_frames, duration, fps):
    """Inputs as arrays, validated; n_frames / duration widened to cover every sample."""
    fi = np.asarray(frame_indices, dtype=np.int64).reshape(-1)
    ts = np.asarray(timestamps, dtype=np.float64).reshape(-1)
    sc = np.asarray(sample_scores, dtype=np.float32).reshape(-1)
    shots = np.asarray(shots, dtype=np.int64).reshape(-1, 2)
    n = fi.size
    if ts.size != n or sc.size != n:
        raise ValueError("frame_indices, timestamps and sample_scores differ in length")
    if n and (np.any(np.diff(fi) <= 0)):
        raise ValueError("frame_indices must be strictly increasing")
    if n and (
        shots.size == 0
        or shots[0, 0] != 0
        or shots[-1, 1] != n - 1
        or np.any(shots[1:, 0] != shots[:-1, 1] + 1)
        or np.any(shots[:, 1] < shots[:, 0])
    ):
        raise ValueError("shots must tile the samples 0..n-1")
    # n_frames / duration may be container estimates: never let them cut off samples
    n_frames = max(int(n_frames), int(fi[-1]) + 1 if n else 0)
    duration = float(duration)
    if n and duration < ts[-1]:
        duration = float(ts[-1] + (1.0 / fps if fps else 0.0))
    return fi, ts, sc, shots, n_frames, duration


def _segments(
    ranges: np.ndarray,
    fi: np.ndarray,
    ts: np.ndarray,
    n_frames: int,
    duration: float,
    scores: np.ndarray,
    selected,
    reasons,
    junk=None,
) -> list[Segment]:
    """Sample ranges that tile the samples -> Segments that tile the video.

    Range k runs from its first sample's frame (range 0 from frame 0 / time 0) to the
    frame before the next range's first sample; the last one to ``n_frames - 1`` /
    ``duration``.
    """
    first = ranges[:, 0]
    starts_f = fi[first].copy()
    starts_t = ts[first].copy()
    starts_f[0], starts_t[0] = 0, 0.0
    ends_f = np.append(starts_f[1:] - 1, n_frames - 1)
    ends_t = np.append(starts_t[1:], duration)
    return [
        Segment(
            k,
            int(starts_f[k]),
            int(ends_f[k]),
            float(starts_t[k]),
            float(ends_t[k]),
            float(scores[k]),
            bool(selected[k]),
            reasons[k],
            junk[k] if junk is not None else "",
        )
        for k in range(len(ranges))
    ]


def build_summary(
    frame_indices: np.ndarray,
    timestamps: np.ndarray,
    sample_scores: np.ndarray,
    shots: np.ndarray,
    n_frames: int,
    duration: float,
    budget: float = 0.15,
    fps: Optional[float] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> Summary:
    """The field's selection: shots scored and selected by the 0/1 knapsack ("paper").

    Weight = frames, capacity = ``int(n_frames * budget)``, as in the reference
    protocol; shots longer than the whole budget are first split so that something can
    be chosen (:func:`split_long_shots`).
    """
    fi, ts, sc, shots, n_frames, duration = _checked(
        frame_indices, timestamps, sample_scores, shots, n_frames, duration, fps
    )
    report(progress, "select", 0, 1)
    extra = {"selection": "paper", "rule": PAPER_RULE}
    if fi.size == 0:
        return Summary([], sc, fi, ts, duration, n_frames, budget, fps, extra=extra)
    capacity = int(n_frames * budget)
    shots = split_long_shots(shots, fi, n_frames, capacity)
    scores = shot_scores(sc, shots, sample_frame_counts(fi, n_frames))
    starts_f = fi[shots[:, 0]].copy()
    starts_f[0] = 0
    weights = np.append(starts_f[1:], n_frames) - starts_f
    picks = set(knapsack(scores, weights, capacity, cancel=cancel))
    selected = [k in picks for k in range(len(shots))]
    reasons = [
        "kept: chosen by the knapsack" if k else "left out: not chosen by the knapsack"
        for k in selected
    ]
    segs = _segments(shots, fi, ts, n_frames, duration, scores, selected, reasons)
    report(progress, "select", 1, 1)
    return Summary(segs, sc, fi, ts, duration, n_frames, budget, fps, extra=extra)


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


def _score_ranks(scores: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Each piece's score as the share of the video's time that scores lower (ties count half)."""
    order = np.argsort(scores, kind="stable")
    total = float(lengths.sum()) or 1.0
    ranks = np.empty(len(scores))
    below = 0.0
    i = 0
    while i < len(order):  # walk groups of equal scores
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        group = order[i : j + 1]
        tie = float(lengths[group].sum())
        ranks[group] = (below + 0.5 * tie) / total
        below += tie
        i = j + 1
    return ranks


def _importance(scores: np.ndarray) -> np.ndarray:
    """Scores mapped to [0, 1] between the pieces' 5th and 95th percentiles.

    Scale-free (the model's scores may sit in a narrow band near 1), yet a large gap
    stays large and noise stays small: ranks would make a 0.002 difference count as
    much as a 0.02 one.
    """
    lo, hi = np.percentile(scores, [5, 95]) if len(scores) else (0.0, 1.0)
    if hi - lo <= 1e-12:
        return np.full(len(scores), 0.5)
    return np.clip((scores - lo) / (hi - lo), 0.0, 1.0)


def _piece_features(values: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """Unit-length mean of the standardised features of each piece (k, D) float32.

    Standardised per dimension over the video, so that what is common to every frame
    (the backbone's bias, the setting's colour) does not make all pieces look alike.
    """
    X = np.asarray(values, dtype=np.float32)
    Z = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-6)
    sums = np.add.reduceat(Z, ranges[:, 0], axis=0)
    means = sums / (ranges[:, 1] - ranges[:, 0] + 1)[:, None]
    return (means / (np.linalg.norm(means, axis=1, keepdims=True) + 1e-9)).astype(np.float32)


SCENE_SIMILARITY = 0.75
"""Pieces at least this similar (cosine of standardised features) to a scene's first piece
belong to that scene (:func:`_scene_weights`)."""


def _scene_weights(sim: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(weight of each piece in the coverage term, scene of each piece).

    Scenes by leader clustering in time order: a piece joins the first scene whose first
    piece it resembles (SCENE_SIMILARITY), else starts one. Every scene weighs the same
    in total, shared among its pieces by length: a 6-minute street scene and a 4-second
    insert count alike, so "show every scene" does not mean "show the longest one".
    """
    leaders: list[int] = []
    scene = np.zeros(len(lengths), dtype=np.int64)
    for i in range(len(lengths)):
        for k, j in enumerate(leaders):
            if sim[i, j] >= SCENE_SIMILARITY:
                scene[i] = k
                break
        else:
            scene[i] = len(leaders)
            leaders.append(i)
    per_scene = np.bincount(scene, weights=lengths)
    weights = lengths / per_scene[scene] / max(1, len(leaders))
    return weights, scene


class _Greedy:
    """Cost-benefit greedy for importance + DIVERSITY * coverage under a length budget.

    F(S) = sum_{i in S} (l_i / B) imp_i + DIVERSITY * sum_j w_j max_{i in S} sim_ij:
    a modular importance term plus facility location (Gygli et al. 2015 mix such
    objectives) in which every scene weighs the same (``w``, :func:`_scene_weights`), so
    F is monotone submodular and the gain of a piece per second only shrinks as the
    summary grows: stale gains are upper bounds (lazy evaluation). The similarity
    matrix is over pieces (at least 1.5 s each), never over samples.
    """

    def __init__(self, lengths, importance, sim, weights, budget_s: float) -> None:
        self.l, self.imp, self.sim, self.w = lengths, importance, sim, weights
        self.B = max(budget_s, 1e-9)
        self.cover = np.zeros(len(lengths))

    def parts(self, i: int) -> tuple[float, float]:
        """(importance gain, coverage gain) of adding piece i now."""
        cov = float((self.w * np.maximum(self.sim[i] - self.cover, 0.0)).sum())
        return self.l[i] / self.B * self.imp[i], DIVERSITY * cov

    def ratio(self, i: int) -> float:
        return sum(self.parts(i)) / max(self.l[i], 1e-9)

    def take(self, i: int) -> None:
        np.maximum(self.cover, self.sim[i], out=self.cover)


def app_summary(
    frame_indices: np.ndarray,
    timestamps: np.ndarray,
    sample_scores: np.ndarray,
    shots: np.ndarray,
    n_frames: int,
    duration: float,
    budget: float = 0.15,
    fps: Optional[float] = None,
    values: Optional[np.ndarray] = None,
    picture: Optional[np.ndarray] = None,
    length_seconds: Optional[float] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> Summary:
    """The app's selection: pieces chosen by score and coverage, each thing once, no junk.

    ``values`` (n, D) are the features (for coverage and repeats; without them every
    piece counts as distinct), ``picture`` (n, 5) the :mod:`.quality` measures (without
    them nothing counts as junk). ``length_seconds`` overrides ``budget`` (the summary's
    length as time). Passes: 1) pieces that are neither junk nor a repeat of a kept
    piece; 2) repeats too; 3) junk too; each pass adds whole pieces that fit, best gain
    per second first; then the best remaining piece is trimmed to fill what is left
    (when that is at least MIN_PIECE_S), so the summary's length is the budget to
    within a sample.
    """
    fi, ts, sc, shots, n_frames, duration = _checked(
        frame_indices, timestamps, sample_scores, shots, n_frames, duration, fps
    )
    if length_seconds is not None:
        budget = min(1.0, max(0.0, float(length_seconds)) / duration) if duration > 0 else 1.0
    report(progress, "select", 0, 1)
    extra = {"selection": "app", "rule": APP_RULE}
    if fi.size == 0:
        return Summary([], sc, fi, ts, duration, n_frames, budget, fps, extra=extra)
    budget_s = duration * budget
    bounds = pieces_mod.sample_bounds(ts, duration)
    ranges, shot_of = pieces_mod.cut_pieces(
        shots, ts, duration, pieces_mod.max_piece_seconds(budget_s)
    )
    lengths = bounds[ranges[:, 1] + 1] - bounds[ranges[:, 0]]
    scores = shot_scores(sc, ranges, sample_frame_counts(fi, n_frames))
    ranks = _score_ranks(scores, lengths)
    k = len(ranges)
    if values is not None and len(values) == fi.size:
        feats = _piece_features(values, ranges)
        sim = np.clip(feats @ feats.T, 0.0, 1.0)
    else:
        sim = np.eye(k, dtype=np.float32)
    junk = [
        quality.junk_kind(picture[a : b + 1])
        if picture is not None and len(picture) == fi.size
        else ""
        for a, b in ranges.tolist()
    ]
    check(cancel)
    weights, scene = _scene_weights(sim, lengths)
    greedy = _Greedy(lengths, _importance(scores), sim, weights, budget_s)
    kept: list[int] = []
    why: dict[int, str] = {}
    room = budget_s + 1e-6

    def repeat_of(i: int) -> Optional[int]:
        """The kept piece that piece i repeats (not counting its neighbours in one shot)."""
        best, who = DUPLICATE_SIMILARITY, None
        for j in kept:
            if abs(i - j) == 1 and shot_of[i] == shot_of[j]:
                continue
            if sim[i, j] > best:
                best, who = sim[i, j], j
        return who

    def allowed(i: int, stage: int) -> bool:
        return (stage >= 2 or not junk[i]) and (stage >= 1 or repeat_of(i) is None)

    def describe(i: int) -> str:
        imp, cov = greedy.parts(i)
        top = max(1, int(round(100 * (1 - ranks[i]))))
        return (
            f"kept: high score (top {top}%)"
            if imp >= cov
            else "kept: shows content not yet in the summary"
        )

    for stage in range(3):
        heap = [
            (-greedy.ratio(i), i)
            for i in range(k)
            if i not in why and lengths[i] <= room and allowed(i, stage)
        ]
        heapq.heapify(heap)
        while heap:
            check(cancel)
            _, i = heapq.heappop(heap)
            if lengths[i] > room or not allowed(i, stage):
                continue
            r = greedy.ratio(i)
            if heap and r < -heap[0][0] - 1e-12:
                heapq.heappush(heap, (-r, i))  # stale: its gain shrank, look again later
                continue
            why[i] = describe(i)
            greedy.take(i)
            kept.append(i)
            room -= lengths[i]
    chosen = np.zeros(k, dtype=bool)
    chosen[kept] = True
    reasons = []
    for i in range(k):
        if chosen[i]:
            reasons.append(why[i])
        elif junk[i]:
            reasons.append(f"left out: {quality.JUNK_WORDS[junk[i]]}")
        elif (j := repeat_of(i)) is not None:
            reasons.append(f"left out: repeat of piece {j + 1} ({_clock(bounds[ranges[j, 0]])})")
        else:
            top = max(1, int(round(100 * (1 - ranks[i]))))
            outranks = any(scores[i] > scores[j] for j in kept)
            mate = next((j for j in kept if scene[j] == scene[i]), None)
            if outranks and mate is not None:
                # not "lower score": a weaker piece of another scene was kept instead
                reasons.append(
                    f"left out: its scene is in the summary already (piece {mate + 1}, "
                    f"{_clock(bounds[ranges[mate, 0]])}); score top {top}%"
                )
            elif outranks:
                reasons.append(f"left out: other scenes came first, budget full (top {top}%)")
            else:
                reasons.append(f"left out: lower score (top {top}%), budget full")
    kept_samples = np.zeros(fi.size, dtype=bool)
    for i in kept:
        kept_samples[ranges[i, 0] : ranges[i, 1] + 1] = True

    def clean(j: int, gone: int) -> bool:
        """Piece j may come in for ``gone``: no junk, no repeat of another kept piece."""
        return not junk[j] and all(
            sim[j, q] <= DUPLICATE_SIMILARITY or (abs(j - q) == 1 and shot_of[j] == shot_of[q])
            for q in np.flatnonzero(chosen)
            if q != gone
        )

    room, added = _to_the_peak(
        kept_samples, kept, ranges, bounds, sc, room, scene, chosen, clean, reasons
    )
    added.update(_fill(kept_samples, ranges, bounds, sc, room, chosen, greedy, allowed, junk))
    segs = _split_segments(
        ranges, kept_samples, added, fi, ts, sc, n_frames, duration, reasons, junk
    )
    report(progress, "select", 1, 1)
    return Summary(segs, sc, fi, ts, duration, n_frames, budget, fps, extra=extra)


PEAK_MARGIN = 0.1
"""A part of a scene replaces a kept piece of it when its mean score is higher by this share
of the video's score spread (5th to 95th percentile): well above the seeds' noise."""


def _to_the_peak(
    kept_samples, kept, ranges, bounds, sc, room: float, scene, chosen, clean, reasons
) -> tuple[float, dict[int, str]]:
    """Move a kept piece to the higher-scored part of its scene when the greedy missed it.

    The greedy ranks by gain per second, and a scene's top pieces share the top importance
    (it is clipped at the 95th percentile), so a short piece can win over the scene's
    higher-scored one, which then no longer fits what is left (seen on the bundled sample
    at 15 %: the curve's peak left out for its 1.5 s neighbour). Each kept piece gives way
    to the best run (MIN_PIECE_S up to the room it frees) of a left-out clean piece of its
    scene whose mean score beats its own by PEAK_MARGIN of the spread. Marks samples in
    ``kept_samples`` and ``chosen`` (in place); returns the room left and the reasons of the
    samples brought in.
    """
    added: dict[int, str] = {}
    lo5, hi95 = np.percentile(sc, [5, 95]) if sc.size else (0.0, 0.0)
    margin = PEAK_MARGIN * float(hi95 - lo5)
    for i in list(kept):
        a, b = (int(x) for x in ranges[i])
        own = float(sc[a : b + 1].mean())
        free = room + float(bounds[b + 1] - bounds[a])
        best = None
        for j in np.flatnonzero((scene == scene[i]) & ~chosen):
            if not clean(int(j), i):
                continue
            c, d = (int(x) for x in ranges[j])
            for lo in range(c, d + 1):
                hi = lo
                while hi + 1 <= d and bounds[hi + 2] - bounds[lo] <= free:
                    hi += 1
                span = float(bounds[hi + 1] - bounds[lo])
                if span > free or span < pieces_mod.MIN_PIECE_S:
                    continue
                key = (float(sc[lo : hi + 1].mean()), span)
                if key[0] > own + margin and (best is None or key > best[0]):
                    best = (key, int(j), lo, hi)
        if best is None:
            continue
        (_, span), new, lo, hi = best
        kept_samples[a : b + 1] = False
        kept_samples[lo : hi + 1] = True
        chosen[i], chosen[new] = False, True
        room = free - span
        reasons[i] = (
            f"left out: a higher-scored part of its scene is kept instead ({_clock(bounds[lo])})"
        )
        added.update({t: "kept: the highest-scored part of its scene" for t in range(lo, hi + 1)})
    return room, added


def _fill(
    kept: np.ndarray, ranges, bounds, sc, room: float, chosen, greedy, allowed, junk
) -> dict[int, str]:
    """Use what the whole pieces left of the budget; marks samples in ``kept`` (in place).

    First the best run (highest mean score, at least MIN_PIECE_S, at most ``room``) inside
    the piece of best gain per second that was left out (clean pieces before repeats
    before junk); then kept runs grow one sample at a time into their best-scored clean
    neighbour, until the next sample no longer fits. Returns {sample: reason} of what
    was added.
    """
    added: dict[int, str] = {}
    lengths = np.diff(bounds)
    for stage in range(3):
        cands = [i for i in range(len(ranges)) if not chosen[i] and allowed(i, stage)]
        if cands:
            break
    for i in (
        sorted(cands, key=lambda i: -greedy.ratio(i)) if room >= pieces_mod.MIN_PIECE_S else []
    ):
        a, b = (int(x) for x in ranges[i])
        best = None
        for lo in range(a, b + 1):
            hi = lo
            while hi + 1 <= b and bounds[hi + 2] - bounds[lo] <= room:
                hi += 1
            span = bounds[hi + 1] - bounds[lo]
            if span > room or span < pieces_mod.MIN_PIECE_S:
                continue
            key = (span, float(sc[lo : hi + 1].mean()))
            if best is None or key > best[0]:
                best = (key, lo, hi)
        if best is not None:
            _, lo, hi = best
            kept[lo : hi + 1] = True
            room -= bounds[hi + 1] - bounds[lo]
            added.update(
                {t: "kept: the best part of a piece, to fill the budget" for t in range(lo, hi + 1)}
            )
            break
    piece_of = np.repeat(np.arange(len(ranges)), ranges[:, 1] - ranges[:, 0] + 1)
    clean = np.array([not junk[piece_of[t]] for t in range(len(kept))])
    while kept.any():
        edge = np.flatnonzero(
            (~kept) & clean & (np.append(kept[1:], False) | np.insert(kept[:-1], 0, False))
        )
        edge = edge[lengths[edge] <= room + 1e-9]
        if edge.size == 0:
            break
        t = int(edge[np.argmax(sc[edge])])
        kept[t] = True
        room -= lengths[t]
        added[t] = "kept: extends its neighbour to fill the budget"
    return added


def _split_segments(ranges, kept, added, fi, ts, sc, n_frames, duration, reasons, junk):
    """Segments: each piece, split where its samples change between kept and left out."""
    runs, flags, why, bad = [], [], [], []
    for i, (a, b) in enumerate(ranges.tolist()):
        lo = a
        for t in range(a + 1, b + 2):
            if t == b + 1 or kept[t] != kept[lo] or (t in added) != (lo in added):
                runs.append((lo, t - 1))
                flags.append(bool(kept[lo]))
                if lo in added:
                    why.append(added[lo])
                elif kept[lo] or not kept[a : b + 1].any():
                    why.append(reasons[i])
                else:
                    why.append("left out: rest of a trimmed piece, budget full")
                bad.append(junk[i])
                lo = t
    runs_arr = np.asarray(runs, dtype=np.int64).reshape(-1, 2)
    scores = shot_scores(sc, runs_arr, sample_frame_counts(fi, n_frames))
    return _segments(runs_arr, fi, ts, n_frames, duration, scores, flags, why, bad)


def summary_from_features(
    features: Any,
    scores: np.ndarray,
    shots: np.ndarray,
    budget: float = 0.15,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> Summary:
    """``build_summary`` for a ``Features`` object (architecture.md's short form)."""
    info = features.info
    return build_summary(
        features.frame_indices,
        features.timestamps,
        scores,
        shots,
        info.n_frames,
        info.duration,
        budget,
        getattr(info, "fps", None),
        progress=progress,
        cancel=cancel,
    )
