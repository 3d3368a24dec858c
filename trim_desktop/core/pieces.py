"""Cut KTS shots into pieces a viewer can watch, so that shot length stops deciding what is kept.

A KTS shot can last a second or ten minutes. Choosing whole shots lets length decide:
the field's knapsack fills the budget with as many short shots as fit, and a long shot
can never be kept. The app's selection chooses among *pieces* instead:

* a shot longer than the longest piece is cut into equal pieces (by samples) no longer
  than ``max_piece_seconds(budget)``: about an eighth of the summary, between 2 and 8 s;
* a piece shorter than MIN_PIECE_S (too short to watch alone) is joined to a neighbour,
  preferring one of the same shot, else the shorter neighbour.

Pieces are inclusive sample ranges that tile the samples, like shots.
"""

from __future__ import annotations

import numpy as np

MIN_PIECE_S = 1.5
"""Shortest piece kept on its own (seconds): shorter ones are joined to a neighbour."""
MAX_PIECE_S = 8.0
"""Longest piece (seconds) for long summaries: long enough to follow, short enough to choose."""
SHORTEST_MAX_PIECE_S = 2.0
"""Longest piece for the shortest summaries (a 10 s summary shows ~5 pieces of 2 s)."""
PIECES_PER_SUMMARY = 8
"""A summary should hold at least about this many pieces when its length allows."""


def max_piece_seconds(budget_seconds: float) -> float:
    """Longest piece for a summary of ``budget_seconds``: budget / 8, clamped to [2, 8] s."""
    return float(np.clip(budget_seconds / PIECES_PER_SUMMARY, SHORTEST_MAX_PIECE_S, MAX_PIECE_S))


def sample_bounds(timestamps: np.ndarray, duration: float) -> np.ndarray:
    """(n + 1,) seconds: sample k covers [bounds[k], bounds[k + 1]); 0 and ``duration`` at the ends."""
    ts = np.asarray(timestamps, dtype=np.float64).reshape(-1)
    if ts.size == 0:
        return np.array([0.0])
    b = np.append(ts, max(float(duration), float(ts[-1])))
    b[0] = 0.0
    return b


def cut_pieces(
    shots: np.ndarray,
    timestamps: np.ndarray,
    duration: float,
    max_seconds: float,
    min_seconds: float = MIN_PIECE_S,
) -> tuple[np.ndarray, np.ndarray]:
    """(pieces (k, 2) inclusive sample ranges, shot index of each piece).

    Long shots are cut into the fewest equal runs of samples that are each at most
    ``max_seconds`` long; then every piece shorter than ``min_seconds`` is joined to a
    neighbour (same shot first, else the shorter neighbour) until none is left or only
    one piece remains.
    """
    shots = np.asarray(shots, dtype=np.int64).reshape(-1, 2)
    bounds = sample_bounds(timestamps, duration)
    pieces: list[list[int]] = []
    for s, (a, b) in enumerate(shots.tolist()):
        length = bounds[b + 1] - bounds[a]
        count = b - a + 1
        k = min(count, max(1, int(np.ceil(length / max_seconds - 1e-9))))
        edges = np.linspace(a, b + 1, k + 1).round().astype(int)
        for lo, hi in zip(edges[:-1], edges[1:]):
            if hi > lo:
                pieces.append([int(lo), int(hi) - 1, s])
    _join_short(pieces, bounds, min_seconds)
    arr = np.asarray(pieces, dtype=np.int64).reshape(-1, 3)
    return arr[:, :2].copy(), arr[:, 2].copy()


def _join_short(pieces: list[list[int]], bounds: np.ndarray, min_seconds: float) -> None:
    """Join pieces shorter than ``min_seconds`` to a neighbour, shortest first (in place)."""

    def length(p: list[int]) -> float:
        return float(bounds[p[1] + 1] - bounds[p[0]])

    while len(pieces) > 1:
        short = [i for i, p in enumerate(pieces) if length(p) < min_seconds]
        if not short:
            return
        i = min(short, key=lambda j: (length(pieces[j]), j))
        nbrs = [j for j in (i - 1, i + 1) if 0 <= j < len(pieces)]
        same = [j for j in nbrs if pieces[j][2] == pieces[i][2]]
        j = min(same or nbrs, key=lambda j: (length(pieces[j]), j))
        lo, hi = min(i, j), max(i, j)
        # the joined piece belongs to the longer part's shot
        shot = pieces[i][2] if length(pieces[i]) > length(pieces[j]) else pieces[j][2]
        pieces[lo : hi + 1] = [[pieces[lo][0], pieces[hi][1], shot]]


__all__ = ["MIN_PIECE_S", "MAX_PIECE_S", "max_piece_seconds", "cut_pieces", "sample_bounds"]
