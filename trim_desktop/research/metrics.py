"""The field's evaluation protocol: rank correlations (TVSum, SumMe) and keyshot F1.

Why each choice:
- TVSum tau/rho (CSTA / CA-SUM): each annotator's frame scores divided by their max, taken
  at the sampled frames (every 15th = ``picks``), correlated with the predicted sample
  scores; Kendall tau on ``rankdata`` of both, Spearman rho; mean over annotators.
- SumMe tau/rho (CSTA): the predicted binary full-frame summary against the mean of the
  user summaries (SumMe has no per-frame scores).
- F1 (older protocol): per-user overlap F1 of full-frame binary summaries; TVSum averages
  over users, SumMe takes the best user.
- A constant input has no ranking; its correlation is reported as 0 (scipy gives NaN).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.stats import kendalltau, rankdata, spearmanr

from trim_desktop.core.select import knapsack

BUDGET = 0.15


def frame_scores(sample_scores, picks, n_frames: int) -> np.ndarray:
    """Hold each sample's score until the next sample (the field's upsampling)."""
    sample_scores = np.asarray(sample_scores, np.float64).reshape(-1)
    picks = np.asarray(picks, np.int64).reshape(-1)
    if len(picks) != len(sample_scores):
        raise ValueError(f"{len(sample_scores)} scores but {len(picks)} picks")
    out = np.zeros(int(n_frames), np.float64)
    bounds = np.append(picks, n_frames)
    for i, s in enumerate(sample_scores):
        out[bounds[i] : bounds[i + 1]] = s
    return out


def summary_from_scores(
    sample_scores, picks, n_frames: int, change_points, budget: float = BUDGET
) -> np.ndarray:
    """Binary full-frame summary: shot score = mean frame score, knapsack at ``budget`` of the frames."""
    fs = frame_scores(sample_scores, picks, n_frames)
    cps = np.asarray(change_points, np.int64).reshape(-1, 2)
    lengths = cps[:, 1] - cps[:, 0] + 1
    shot_scores = [float(fs[a : b + 1].mean()) if fs[a : b + 1].size else 0.0 for a, b in cps]
    chosen = knapsack(shot_scores, lengths, int(n_frames * budget))
    summary = np.zeros(int(n_frames), np.uint8)
    for i in chosen:
        summary[cps[i, 0] : cps[i, 1] + 1] = 1
    return summary


def f1_overlap(pred, user) -> float:
    """Overlap F1 of two binary vectors (0 when they share no frame)."""
    pred = np.asarray(pred).astype(bool)
    user = np.asarray(user).astype(bool)
    overlap = int((pred & user).sum())
    if overlap == 0:
        return 0.0
    precision = overlap / pred.sum()
    recall = overlap / user.sum()
    return float(2 * precision * recall / (precision + recall))


def _fit(vec, n: int) -> np.ndarray:
    """Cut or zero-pad to ``n`` frames (summaries and annotations can differ by a frame)."""
    vec = np.asarray(vec)
    return vec[:n] if len(vec) >= n else np.pad(vec, (0, n - len(vec)))


def f1_summary(pred, user_summary, mode: str = "avg") -> float:
    """F1 against each user summary; ``avg`` (TVSum) or ``max`` (SumMe) over users."""
    users = np.atleast_2d(np.asarray(user_summary))
    pred = _fit(pred, users.shape[1])
    f1s = [f1_overlap(pred, u) for u in users]
    if mode == "avg":
        return float(np.mean(f1s))
    if mode == "max":
        return float(np.max(f1s))
    raise ValueError(f"mode must be 'avg' or 'max', not {mode!r}")


def rank_correlation(a, b) -> tuple[float, float]:
    """(Kendall tau on rankdata of both, Spearman rho); 0 for a constant input."""
    a = np.asarray(a, np.float64).reshape(-1)
    b = np.asarray(b, np.float64).reshape(-1)
    if len(a) != len(b):
        raise ValueError(f"cannot correlate {len(a)} with {len(b)} values")
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0, 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tau = kendalltau(rankdata(a), rankdata(b))[0]
        rho = spearmanr(a, b)[0]
    return float(np.nan_to_num(tau)), float(np.nan_to_num(rho))


def annotator_samples(user_scores, picks=None, step: int = 15) -> np.ndarray:
    """Annotator scores / their max, at ``picks`` (or every ``step``-th frame): (users, n_samples)."""
    scores = np.atleast_2d(np.asarray(user_scores, np.float64))
    peak = scores.max(axis=1, keepdims=True)
    scores = scores / np.where(peak > 0, peak, 1.0)
    if picks is None:
        return scores[:, ::step]
    picks = np.clip(np.asarray(picks, np.int64), 0, scores.shape[1] - 1)
    return scores[:, picks]


def tvsum_correlation(sample_scores, user_scores, picks=None) -> tuple[float, float]:
    """TVSum (tau, rho): predicted sample scores against each annotator, mean over annotators."""
    pred = np.asarray(sample_scores, np.float64).reshape(-1)
    users = annotator_samples(user_scores, picks)
    if users.shape[1] != len(pred):
        raise ValueError(f"{len(pred)} predicted samples but {users.shape[1]} annotated samples")
    pairs = [rank_correlation(pred, u) for u in users]
    return float(np.mean([p[0] for p in pairs])), float(np.mean([p[1] for p in pairs]))


def summe_correlation(pred_summary, user_summary) -> tuple[float, float]:
    """SumMe (tau, rho): binary full-frame summary against the mean user summary."""
    users = np.atleast_2d(np.asarray(user_summary, np.float64))
    return rank_correlation(_fit(pred_summary, users.shape[1]), users.mean(axis=0))


def kendall_tau_b_table(x, y) -> float:
    """Kendall tau-b from the contingency table of the two inputs' distinct values.

    Exactly scipy's tau-b, in O(n + kx*ky) instead of a scipy call per pair: annotator
    scores take 5 values, so the 9,500 annotator pairs of TVSum take a second, not minutes
    on a loaded machine. Use it only when both inputs have few distinct values.
    """
    ux, cx = np.unique(np.asarray(x), return_inverse=True)
    uy, cy = np.unique(np.asarray(y), return_inverse=True)
    kx, ky, n = len(ux), len(uy), len(cx)
    if kx < 2 or ky < 2:
        return 0.0
    table = np.bincount(cx * ky + cy, minlength=kx * ky).reshape(kx, ky).astype(np.float64)
    # below_right[i, j]: pairs partner with larger x and larger y; below_left: larger x, smaller y
    suffix = table[::-1].cumsum(axis=0)[::-1]  # rows >= i
    rows_after = np.vstack([suffix[1:], np.zeros((1, ky))])
    right = rows_after[:, ::-1].cumsum(axis=1)[:, ::-1]
    below_right = np.hstack([right[:, 1:], np.zeros((kx, 1))])
    left = rows_after.cumsum(axis=1)
    below_left = np.hstack([np.zeros((kx, 1)), left[:, :-1]])
    concordant = float((table * below_right).sum())
    discordant = float((table * below_left).sum())
    n0 = n * (n - 1) / 2.0
    tx = float((table.sum(axis=1) * (table.sum(axis=1) - 1)).sum() / 2.0)
    ty = float((table.sum(axis=0) * (table.sum(axis=0) - 1)).sum() / 2.0)
    return (concordant - discordant) / np.sqrt((n0 - tx) * (n0 - ty))


def human_agreement_tvsum(annotations: Sequence, step: int = 15) -> tuple[float, float]:
    """The "Human" row: every pair of different annotators of a video, mean over pairs, then videos.

    ``annotations``: per video an array (users, n_frames) of raw scores. Pairs are taken
    once (tau and rho are symmetric), which changes nothing in the means. Spearman rho is
    the Pearson correlation of the ranks, computed for all pairs at once.
    """
    taus, rhos = [], []
    for scores in annotations:
        users = annotator_samples(scores, step=step)
        ranks = np.stack([rankdata(u) for u in users])
        rho_all = np.nan_to_num(np.corrcoef(ranks))
        t, r = [], []
        for i in range(len(ranks)):
            for j in range(i + 1, len(ranks)):
                t.append(kendall_tau_b_table(users[i], users[j]))
                r.append(rho_all[i, j])
        taus.append(np.mean(t))
        rhos.append(np.mean(r))
    return float(np.mean(taus)), float(np.mean(rhos))


@dataclass
class VideoScore:
    """Metrics of one test video; F1 in percent as the papers print it."""

    key: str
    tau: float
    rho: float
    f1: float


def evaluate_video(record, sample_scores, dataset: str, budget: float = BUDGET) -> VideoScore:
    """All metrics of one video of an h5 record (see ``h5data.VideoRecord``) under the dataset's protocol."""
    summary = summary_from_scores(
        sample_scores, record.picks, record.n_frames, record.change_points, budget
    )
    if record.user_summary is None:
        raise ValueError(f"video {record.key} has no user_summary")
    if dataset == "tvsum":
        if record.user_scores is None:
            raise ValueError(
                f"video {record.key} has no annotator scores (pass the TVSum annotations)"
            )
        tau, rho = tvsum_correlation(sample_scores, record.user_scores, record.picks)
        f1 = f1_summary(summary, record.user_summary, "avg")
    elif dataset == "summe":
        tau, rho = summe_correlation(summary, record.user_summary)
        f1 = f1_summary(summary, record.user_summary, "max")
    else:
        raise ValueError(f"unknown dataset {dataset!r}")
    return VideoScore(record.key, tau, rho, 100.0 * f1)


def mean_scores(scores: Sequence[VideoScore]) -> tuple[float, float, float]:
    """(tau, rho, f1) averaged over videos."""
    return (
        float(np.mean([s.tau for s in scores])),
        float(np.mean([s.rho for s in scores])),
        float(np.mean([s.f1 for s in scores])),
    )
