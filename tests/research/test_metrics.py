"""Metrics on a video small enough to check by hand (see synth.hand_video)."""

import math

import numpy as np
import pytest

from tests.research.synth import hand_video
from trim_desktop.research import metrics as m

PRED = np.array([0.1, 0.2, 0.9, 0.8, 0.3, 0.4])


def test_frame_scores_hold_until_next_sample():
    fs = m.frame_scores(PRED, np.arange(0, 30, 5), 30)
    assert fs.shape == (30,)
    assert np.all(fs[0:5] == 0.1) and np.all(fs[25:] == 0.4)


def test_summary_picks_best_shot_within_15_percent():
    v = hand_video()
    s = m.summary_from_scores(PRED, v.picks, v.n_frames, v.change_points)
    # capacity int(30 * 0.15) = 4 frames: only the 4-frame shots fit; 10-13 scores 0.9 > 0.1
    assert s.sum() == 4 and np.all(s[10:14] == 1)


def test_f1_by_hand():
    v = hand_video()
    s = m.summary_from_scores(PRED, v.picks, v.n_frames, v.change_points)
    # user 1 (frames 10-14): P = 4/4, R = 4/5 -> F1 = 8/9; user 2 (frames 0-3): no overlap
    assert m.f1_overlap(s, v.user_summary[0]) == pytest.approx(8 / 9)
    assert m.f1_overlap(s, v.user_summary[1]) == 0.0
    assert m.f1_summary(s, v.user_summary, "avg") == pytest.approx(4 / 9)
    assert m.f1_summary(s, v.user_summary, "max") == pytest.approx(8 / 9)


def test_tvsum_correlation_by_hand():
    v = hand_video()
    tau, rho = m.tvsum_correlation(PRED, v.user_scores, v.picks)
    # user 1 at the samples: 1,2,5,4,3,3 (one tie): 14 concordant pairs of 15, tau-b = 14/sqrt(15*14);
    # rho on ranks (1,2,6,5,3,4) vs (1,2,6,5,3.5,3.5) = 17/sqrt(17.5*17). User 2 has pred's order: 1, 1.
    assert tau == pytest.approx((14 / math.sqrt(210) + 1) / 2)
    assert rho == pytest.approx((math.sqrt(17 / 17.5) + 1) / 2)


def test_tvsum_correlation_every_15th_frame_without_picks():
    users = np.repeat(np.array([[1, 3, 2, 5]], float), 15, axis=1)  # 60 frames
    tau, rho = m.tvsum_correlation([0.1, 0.3, 0.2, 0.9], users)
    assert (tau, rho) == (pytest.approx(1.0), pytest.approx(1.0))


def test_summe_correlation_by_hand():
    v = hand_video()
    s = m.summary_from_scores(PRED, v.picks, v.n_frames, v.change_points)
    tau, rho = m.summe_correlation(s, v.user_summary)
    # binary vs mean summary {0, 0.5}: 2x2 table a=4, b=0, c=5, d=21 -> phi = 84/sqrt(4*26*9*21)
    phi = 84 / math.sqrt(4 * 26 * 9 * 21)
    assert tau == pytest.approx(phi) and rho == pytest.approx(phi)


def test_constant_input_correlates_zero():
    assert m.rank_correlation([1, 1, 1], [1, 2, 3]) == (0.0, 0.0)


def test_evaluate_video_and_mean():
    v = hand_video()
    a = m.evaluate_video(v, PRED, "tvsum")
    b = m.evaluate_video(v, PRED[::-1], "tvsum")
    assert a.f1 == pytest.approx(100 * 4 / 9)
    tau, rho, f1 = m.mean_scores([a, b])
    assert tau == pytest.approx((a.tau + b.tau) / 2) and f1 == pytest.approx((a.f1 + b.f1) / 2)
    s = m.evaluate_video(v, PRED, "summe")
    assert s.f1 == pytest.approx(100 * 8 / 9)


def test_tvsum_without_annotator_scores_is_refused():
    v = hand_video()
    v.user_scores = None
    with pytest.raises(ValueError, match="annotator"):
        m.evaluate_video(v, PRED, "tvsum")


def test_human_agreement_pairs():
    # two annotators in the same order and one reversed: pairs (1,2)=1, (1,3)=-1, (2,3)=-1
    a = np.array([[1, 2, 3, 4], [2, 3, 4, 5], [4, 3, 2, 1]], float)
    tau, rho = m.human_agreement_tvsum([a], step=1)
    assert tau == pytest.approx(-1 / 3) and rho == pytest.approx(-1 / 3)


def test_table_kendall_equals_scipy_on_tied_data():
    from scipy.stats import kendalltau, rankdata

    rng = np.random.default_rng(2)
    for _ in range(20):
        x, y = rng.integers(1, 6, 200), rng.integers(1, 4, 200)
        y = np.where(rng.random(200) < 0.5, x, y)
        want = kendalltau(rankdata(x), rankdata(y))[0]
        assert m.kendall_tau_b_table(x, y) == pytest.approx(want, abs=1e-12)
