"""Selection: exact knapsack, frame-weighted shot scores, Summary tiling/budget/round trip."""
from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from trim_desktop.core.select import (Segment, Summary, build_summary, knapsack,
                                      sample_frame_counts, shot_scores)


def _brute(values, weights, cap):
    best = 0.0
    for r in range(len(values) + 1):
        for sub in itertools.combinations(range(len(values)), r):
            if sum(weights[i] for i in sub) <= cap:
                best = max(best, sum(values[i] for i in sub))
    return best


@pytest.mark.parametrize("seed", range(5))
def test_knapsack_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    for _ in range(40):
        n = int(rng.integers(0, 10))
        values = rng.random(n).round(3).tolist()
        weights = rng.integers(0, 30, n).tolist()
        if seed % 2:
            weights = [3 * w for w in weights]  # exercises the gcd scaling
        cap = int(rng.integers(0, 80))
        picks = knapsack(values, weights, cap)
        assert picks == sorted(set(picks))
        assert sum(weights[i] for i in picks) <= cap
        assert sum(values[i] for i in picks) == pytest.approx(_brute(values, weights, cap))


def test_knapsack_ties_deterministic_and_edges():
    # equal optima: the earlier item wins, every time
    assert knapsack([1.0, 1.0], [5, 5], 5) == [0]
    assert knapsack([1.0, 1.0], [5, 5], 5) == [0]
    assert knapsack([], [], 10) == []
    assert knapsack([1.0], [5], 4) == []
    assert knapsack([1.0, 2.0], [5, 5], -1) == []
    with pytest.raises(ValueError):
        knapsack([1.0], [1, 2], 3)


def test_knapsack_large_capacity_fast():
    rng = np.random.default_rng(0)
    w = rng.integers(30, 600, 1500)
    v = rng.random(1500)
    cap = int(w.sum() * 0.15)
    picks = knapsack(v, w, cap)
    assert w[picks].sum() <= cap
    # greedy by density is a lower bound of the optimum
    order = np.argsort(-v / w)
    tot, val = 0, 0.0
    for i in order:
        if tot + w[i] <= cap:
            tot += w[i]
            val += v[i]
    assert v[picks].sum() >= val - 1e-9


def test_shot_scores_plain_and_weighted():
    s = np.array([1.0, 3.0, 5.0, 7.0])
    shots = np.array([[0, 1], [2, 3]])
    np.testing.assert_allclose(shot_scores(s, shots), [2.0, 6.0])
    np.testing.assert_allclose(shot_scores(s, shots, [1, 3, 1, 1]), [2.5, 6.0])
    # frame-weighted equals the mean of frame-level scores held up to the next sample
    fi = np.array([0, 4, 10, 11])
    counts = sample_frame_counts(fi, 20)
    assert counts.tolist() == [4, 6, 1, 9]
    frame = np.repeat(s, counts)
    np.testing.assert_allclose(shot_scores(s, shots, counts),
                               [frame[:10].mean(), frame[10:].mean()])


def _make(seed=0, n=60, budget=0.15):
    rng = np.random.default_rng(seed)
    fi = np.cumsum(rng.integers(10, 20, n)) + 3
    n_frames = int(fi[-1] + 12)
    fps = 25.0
    ts = fi / fps
    scores = rng.random(n).astype(np.float32)
    b = np.sort(rng.choice(np.arange(1, n), 11, replace=False))
    starts = np.r_[0, b]
    shots = np.stack([starts, np.r_[b - 1, n - 1]], axis=1)
    return build_summary(fi, ts, scores, shots, n_frames, n_frames / fps, budget, fps)


@pytest.mark.parametrize("seed", range(4))
def test_build_summary_tiles_and_respects_budget(seed):
    s = _make(seed)
    segs = s.segments
    assert segs[0].start_frame == 0 and segs[0].start_time == 0.0
    assert segs[-1].end_frame == s.n_frames - 1 and segs[-1].end_time == s.duration
    for a, b in zip(segs, segs[1:]):
        assert b.start_frame == a.end_frame + 1 and b.start_time == a.end_time
    assert [g.index for g in segs] == list(range(len(segs)))
    cap = int(s.n_frames * s.budget)
    assert s.selected_frames <= cap == s.capacity_frames
    assert s.selected and all(g.selected for g in s.selected)
    assert s.budget_seconds == pytest.approx(s.duration * 0.15)
    # the knapsack optimum over shot scores
    vals = [g.score for g in segs]
    wts = [g.n_frames for g in segs]
    assert sum(g.score for g in s.selected) == pytest.approx(_brute(vals, wts, cap))


def test_build_summary_shot_boundaries_follow_samples():
    fi = np.array([0, 10, 20, 30])
    ts = fi / 10.0
    s = build_summary(fi, ts, [0.1, 0.9, 0.9, 0.1], [[0, 0], [1, 2], [3, 3]],
                      n_frames=45, duration=4.5, budget=0.5, fps=10.0)
    assert [(g.start_frame, g.end_frame) for g in s.segments] == [(0, 9), (10, 29), (30, 44)]
    assert [(g.start_time, g.end_time) for g in s.segments] == [(0.0, 1.0), (1.0, 3.0),
                                                               (3.0, 4.5)]
    assert [g.selected for g in s.segments] == [False, True, False]
    assert s.selected_duration == pytest.approx(2.0)


def test_build_summary_validates_and_handles_empty():
    with pytest.raises(ValueError):
        build_summary([0, 5], [0, 0.5], [0.1, 0.2], [[0, 0]], 10, 1.0)
    s = build_summary([], [], [], np.zeros((0, 2)), 0, 0.0)
    assert s.segments == [] and s.selected_duration == 0.0


def test_toggle():
    s = _make(1)
    i = next(g.index for g in s.segments if not g.selected)
    before = s.selected_duration
    assert s.toggle(i) is True
    assert s.selected_duration == pytest.approx(before + s.segments[i].duration)
    assert s.toggle(i) is False
    assert s.selected_duration == pytest.approx(before)


def test_round_trip_exact():
    s = _make(2)
    s.toggle(0)
    d = json.loads(json.dumps(s.to_dict()))
    r = Summary.from_dict(d)
    assert r.segments == s.segments
    for name in ("sample_scores", "frame_indices", "timestamps"):
        a, b = getattr(s, name), getattr(r, name)
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert (r.duration, r.n_frames, r.budget, r.fps) == (s.duration, s.n_frames,
                                                         s.budget, s.fps)
    assert r.to_dict() == s.to_dict()
    assert isinstance(Segment.from_dict(s.segments[0].to_dict()), Segment)


def test_long_shots_are_split_so_a_summary_is_never_empty():
    """A 12 s video of four 3 s scenes at 15%: no scene fits 54 frames whole."""
    from trim_desktop.core.select import build_summary, split_long_shots
    fps, n_frames = 30, 360
    fi = np.arange(0, n_frames, 15)
    ts = fi / fps
    shots = np.array([[0, 5], [6, 11], [12, 17], [18, 23]])
    scores = np.linspace(0, 1, len(fi)).astype(np.float32)
    pieces = split_long_shots(shots, fi, n_frames, int(n_frames * 0.15))
    assert pieces[0, 0] == 0 and pieces[-1, 1] == len(fi) - 1
    assert np.all(pieces[1:, 0] == pieces[:-1, 1] + 1)
    s = build_summary(fi, ts, scores, shots, n_frames, 12.0, 0.15, fps)
    assert s.selected, "a summary must select something"
    assert sum(seg.n_frames for seg in s.selected) <= 54
    assert s.selected[-1].end_frame == n_frames - 1  # the highest scores are at the end
    # shots that already fit are left as they are (reference behaviour)
    short = np.array([[0, 1], [2, 3], [4, 23]])
    assert split_long_shots(short, fi, n_frames, 1000).tolist() == short.tolist()
