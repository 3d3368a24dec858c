"""The quality benchmark's metrics on a tiny hand-made ground truth (no clips, no model):
a wrong figure here would make docs/quality.md claim the wrong thing about summaries."""

import pytest

from benchmarks import quality as q

# 100 s: events A (10-14 s) and B (50-51.6 s, short); B repeated at 70-71.6 s;
# event C (30-35 s) shown again at 80-85 s; black 20-24 s, slate 90-93 s.
TRUTH = {
    "name": "tiny",
    "duration": 100.0,
    "events": [
        {"id": "A", "start": 10.0, "end": 14.0},
        {"id": "B", "start": 50.0, "end": 51.6},
        {"id": "C", "start": 30.0, "end": 35.0},
    ],
    "repeats": [
        {"repeat_of": "B", "start": 70.0, "end": 71.6},
        {"repeat_of": "C", "start": 80.0, "end": 85.0},
    ],
    "junk": [
        {"kind": "black", "start": 20.0, "end": 24.0},
        {"kind": "slate", "start": 90.0, "end": 93.0},
    ],
}


def figures(kept, **kw):
    return q.metrics(kept, TRUTH, 100.0, 0.15, **kw)


def test_an_event_counts_with_one_second_or_half_of_a_short_one():
    f = figures([(10.0, 10.9), (50.0, 50.8)])  # A: 0.9 s (no), B: half of 1.6 s (yes)
    assert f["events_kept"] == 1 and f["event_recall"] == pytest.approx(1 / 3)
    f = figures([(10.0, 11.0), (80.0, 81.0)])  # C kept through its repeat only
    assert f["events_kept"] == 2


def test_junk_seconds_are_the_kept_black_and_slate_time():
    f = figures([(18.0, 22.0), (92.0, 100.0)])
    assert f["junk_s"] == pytest.approx(2.0 + 1.0)
    assert f["kept_s"] == pytest.approx(12.0)
    assert f["budget_used"] == pytest.approx(12.0 / 15.0)


def test_repeated_seconds_count_only_a_second_copy_of_the_same_moment():
    # C's first 2 s kept in both copies (2 s repeated); B's copies kept at different
    # offsets (first half once, second half once): nothing shown twice
    f = figures([(30.0, 32.0), (80.0, 82.0), (50.0, 50.7), (70.8, 71.5)])
    assert f["repeat_s"] == pytest.approx(2.0)
    assert figures([(30.0, 35.0)])["repeat_s"] == 0.0
    assert figures([(30, 35), (80, 85), (50, 51.6), (70, 71.6)])["repeat_s"] == pytest.approx(6.6)


def test_upper_half_is_the_share_of_kept_time_where_the_scores_are_high():
    ts = [0.0, 25.0, 50.0, 75.0]  # samples held to the next one
    scores = [0.1, 0.9, 0.2, 0.8]  # median 0.5: 25-50 s and 75-100 s are high
    f = figures([(20.0, 30.0), (80.0, 90.0)], timestamps=ts, model_scores=scores)
    assert f["upper_half"] == pytest.approx(15.0 / 20.0)


def test_jaccard_and_uniform_pieces():
    assert q.jaccard([(0, 10)], [(5, 15)], 100.0) == pytest.approx(5 / 15)
    assert q.jaccard([], [], 100.0) == 1.0
    pieces = q.uniform_pieces(100.0, 0.15)
    assert sum(b - a for a, b in pieces) == pytest.approx(15.0)
    assert len(pieces) == 5 and all(0 <= a < b <= 100 for a, b in pieces)
    assert figures(pieces)["budget_used"] == pytest.approx(1.0)


def test_clearly_beats_random_needs_more_than_twice_the_spread_and_the_floor():
    assert q.clearly_beats(0.0, [6.0, 8.0, 10.0], "lower", 1.0)["clearly"]  # 8 - 0 > 4
    assert not q.clearly_beats(5.0, [6.0, 8.0, 10.0], "lower", 1.0)["clearly"]  # 3 < 2 x std
    assert not q.clearly_beats(1.5, [2.0, 2.0, 2.0], "lower", 1.0)["clearly"]  # under the floor
    assert q.clearly_beats(0.9, [0.5, 0.5, 0.5], "higher", 0.05)["clearly"]
    tie = q.clearly_beats(0.0, [0.0, 0.0], "lower", 1.0, ideal=0.0)
    assert not tie["clearly"] and tie["tie_at_ideal"]


def test_the_selections_it_compares_keep_about_the_budget():
    # 120 s at 2 samples/s, 25 fps; 12 shots of 10 s: both selections must give a summary
    # near 15 % whatever the pipeline's selection setting is (before and after it exists)
    from types import SimpleNamespace

    import numpy as np

    n = 240
    feats = SimpleNamespace(
        frame_indices=np.arange(n) * 12 + 0,
        timestamps=np.arange(n) / 2.0,
        values=np.random.default_rng(0).random((n, 8), dtype=np.float32),
        info=SimpleNamespace(n_frames=3000, duration=120.0, fps=25.0),
        rate=2.0,
    )
    shots = np.array([(k * 20, k * 20 + 19) for k in range(12)])
    scores = np.random.default_rng(1).random(n).astype(np.float32)
    for select in (q.select_app, q.select_paper):
        kept = q.segments_to_intervals(select(feats, scores, shots, 0.15).segments)
        used = q.metrics(kept, {"events": []}, 120.0, 0.15)["budget_used"]
        assert 0.5 < used <= 1.05, (select.__name__, used)
