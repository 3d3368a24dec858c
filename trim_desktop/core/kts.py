"""Kernel temporal segmentation (Potapov et al. 2014, "cpd_auto") and shot detection.

``cpd_nonlin`` / ``cpd_auto`` follow the reference KTS code (as copied in DSNet/CSTA)
and give the same change points: scatter matrix from cumulative sums of the kernel,
dynamic programming over the number of change points, and the penalty
``cost/n + vmax*m/(2n)*(log(n/m)+1)``. Differences, none of which change results:

* the DP inner step is vectorised per number of change points (a min-plus product of
  the previous row with the upper-triangular scatter matrix, in column blocks);
* ``cpd_auto`` runs the DP once (with back-pointers) instead of twice, and stops early
  once the penalty alone exceeds the best cost seen: costs are scatter sums (>= 0) plus
  a penalty that grows with m, so no larger m can win;
* the kernel is cast to float64 before the cumulative sums (the reference keeps the
  float32 of its features there), which only makes the scatters more accurate.

``kts_shots`` is what the pipeline calls: it bounds time and memory for long videos by
capping the number of change points and by running KTS in stitched windows.
"""

from __future__ import annotations

import math
from typing import Callable, Optional

import numpy as np

from .progress import CancelToken, ProgressFn, check, report

__all__ = ["calc_scatters", "cpd_nonlin", "cpd_auto", "kts_shots", "WINDOW", "SECONDS_PER_CP"]

WINDOW = 1000
"""Most samples KTS sees at once (8.3 min at 2 samples/s). Memory is O(WINDOW^2) and
time O(n * WINDOW * ncp_per_window); 1000 keeps a 2 h video at 2 samples/s near 10 s
of CPU while a window still holds dozens of shots (the penalty is per-window, and
roughly scale-free, so windowing barely changes which cuts are chosen)."""

SECONDS_PER_CP = 2.5
"""Default cap on change points: one per this many seconds of samples (per window)."""

_BLOCK = 192  # DP columns per vectorised block: keeps temporaries small and in cache


def _scatters_t(K: np.ndarray) -> np.ndarray:
    """Transposed scatter matrix, ``JT[j, i]`` = scatter of samples i..j (0 for j < i).

    Same formula and operation order as the reference ``calc_scatters`` (bitwise equal
    for a float64 kernel), laid out so that the DP reduces along contiguous rows.
    """
    K = np.asarray(K, dtype=np.float64)
    n = K.shape[0]
    K1 = np.concatenate(([0.0], np.cumsum(np.diag(K))))
    K2 = np.zeros((n + 1, n + 1))
    np.cumsum(K, axis=0, out=K2[1:, 1:])
    np.cumsum(K2[1:, 1:], axis=1, out=K2[1:, 1:])
    d = np.diag(K2).copy()
    # numerator: block sums of K over [i, j], evaluated like the reference: ((a+b)-c)-d
    num = d[1:][:, None] + d[:-1][None, :]
    num -= K2[1:, :-1]
    num -= K2[:-1, 1:].T
    del K2
    idx = np.arange(n, dtype=np.float64)
    num /= np.abs(idx[:, None] - idx[None, :]) + 1.0  # j - i + 1 where j >= i
    JT = K1[1:][:, None] - K1[:-1][None, :]
    JT -= num
    del num
    JT[np.triu(np.ones((n, n), dtype=bool), k=1)] = 0.0
    return JT


def calc_scatters(K: np.ndarray) -> np.ndarray:
    """Scatter of every segment: ``J[i, j]`` = within-segment scatter of samples i..j.

    Equal to the reference's ``calc_scatters``; entries with j < i are 0.
    """
    return _scatters_t(K).T


def _check_args(n: int, m: int, lmin: int, lmax: Optional[int]) -> None:
    if lmin < 1 or (lmax is not None and lmax < lmin):
        raise ValueError(f"need 1 <= lmin <= lmax, got lmin={lmin}, lmax={lmax}")
    if m < 0 or (m + 1) * lmin > n or (lmax is not None and n > (m + 1) * lmax):
        raise ValueError(
            f"cannot place {m} change points in {n} samples (lmin={lmin}, lmax={lmax})"
        )


def _dp(
    JT: np.ndarray,
    ncp: int,
    lmin: int,
    lmax: Optional[int],
    backtrack: bool,
    stop: Optional[Callable[[int, float], bool]] = None,
    cancel: Optional[CancelToken] = None,
    progress: Optional[ProgressFn] = None,
) -> tuple[np.ndarray, list]:
    """The reference DP, one vectorised pass per number of change points.

    ``JT`` (from ``_scatters_t``) is consumed: invalid segment lengths are overwritten
    with +inf. Returns the objective for 0..k change points (k <= ncp, fewer when ``stop`` said so) and the
    back-pointer rows. ``I[k, l]`` = best cost of the first l samples with k change
    points; ``p[k][l]`` = the last change point of that solution.
    """
    n = JT.shape[0]
    lmax_eff = n + 1 if lmax is None else int(lmax)
    # Mask segment lengths outside [lmin, lmax] (j - i + 1 < lmin covers j < i).
    JT[np.triu(np.ones((n, n), dtype=bool), k=2 - lmin)] = np.inf
    if lmax_eff <= n:
        JT[np.tri(n, k=-lmax_eff, dtype=bool)] = np.inf
    prev = np.full(n + 1, np.inf)
    prev[lmin:lmax_eff] = JT[lmin - 1 : lmax_eff - 1, 0]  # the reference's I[0, lmin:lmax]
    scores = [prev[n]]
    back: list = []
    if stop is not None and stop(0, float(prev[n])):
        ncp = 0
    for k in range(1, ncp + 1):
        check(cancel)
        cur = np.full(n + 1, np.inf)
        ptr = np.zeros(n + 1, dtype=np.int32) if backtrack else None
        for l0 in range((k + 1) * lmin, n + 1, _BLOCK):
            l1 = min(n + 1, l0 + _BLOCK)
            t0 = max(k * lmin, l0 - lmax_eff)  # candidates t in [t0, l1 - lmin)
            t1 = l1 - lmin
            c = JT[l0 - 1 : l1 - 1, t0:t1] + prev[None, t0:t1]
            arg = np.argmin(c, axis=1)
            cur[l0:l1] = c[np.arange(l1 - l0), arg]
            if ptr is not None:
                ptr[l0:l1] = arg + t0
        prev = cur
        scores.append(cur[n])
        if backtrack:
            back.append(ptr)
        report(progress, "kts", k, ncp)
        if stop is not None and stop(k, float(cur[n])):
            break
    out = np.asarray(scores, dtype=np.float64)
    out[out > 1e99] = np.inf
    return out, back


def _backtrack(back: list, m: int, n: int) -> np.ndarray:
    cps = np.zeros(m, dtype=np.int64)
    cur = n
    for k in range(m, 0, -1):
        cur = int(back[k - 1][cur])
        cps[k - 1] = cur
    return cps


def cpd_nonlin(
    K: np.ndarray,
    ncp: int,
    lmin: int = 1,
    lmax: Optional[int] = None,
    backtrack: bool = True,
    cancel: Optional[CancelToken] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Best segmentation of a kernel into exactly ``ncp`` + 1 segments.

    Returns ``(cps, scores)``: change points (the mean is constant on
    ``[cps[i], cps[i+1])``; zeros when ``backtrack`` is False) and the objective for
    0..ncp change points (inf where infeasible). ``lmax=None`` means no limit.
    """
    K = _square_kernel(K)
    n = K.shape[0]
    m = int(ncp)
    _check_args(n, m, lmin, lmax)
    scores, back = _dp(_scatters_t(K), m, lmin, lmax, backtrack, cancel=cancel)
    cps = _backtrack(back, m, n) if backtrack else np.zeros(m, dtype=np.int64)
    return cps, scores


def _square_kernel(K) -> np.ndarray:
    K = np.asarray(K)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError("K must be a square kernel matrix")
    return K


def _penalties(m: int, n2: float, vmax: float) -> np.ndarray:
    pen = np.zeros(m + 1)
    k = np.arange(1, m + 1)
    pen[1:] = (vmax * k / (2.0 * n2)) * (np.log(float(n2) / k) + 1)
    return pen


def cpd_auto(
    K: np.ndarray,
    ncp: int,
    vmax: float,
    desc_rate: float = 1,
    lmin: int = 1,
    lmax: Optional[int] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Change points with their number chosen in 0..ncp by the KTS penalty.

    Returns ``(cps, costs)`` like the reference: the change points and the DP objective
    for 0..m_best change points.
    """
    K = _square_kernel(K)
    n = K.shape[0]
    m = int(ncp)
    _check_args(n, m, lmin, lmax)
    n2 = n * desc_rate
    pen = _penalties(m, n2, vmax)
    best = [math.inf]

    def stop(k: int, score: float) -> bool:
        best[0] = min(best[0], score / n + pen[k])
        # the objective is a sum of scatters (>= 0, up to rounding) and the penalty
        # increases with k (k <= n), so once it alone exceeds the best cost, stop
        # (pen is increasing only up to k = n2; m <= n2 whenever desc_rate >= 1)
        return k + 1 > m or (m <= n2 and pen[k + 1] > best[0] + 1e-9)

    scores, back = _dp(
        _scatters_t(K), m, lmin, lmax, True, stop=stop, cancel=cancel, progress=progress
    )
    costs = scores / float(n) + pen[: len(scores)]
    m_best = int(np.argmin(costs))
    return _backtrack(back, m_best, n), scores[: m_best + 1]


def _window_ncp(n_w: int, n: int, max_ncp: Optional[int], rate: float) -> int:
    if max_ncp is None:
        cap = math.ceil(n_w / (SECONDS_PER_CP * rate))
    else:
        cap = max_ncp if n_w >= n else math.ceil(max_ncp * n_w / n)
    return int(max(0, min(n_w - 1, cap)))


def kts_shots(
    values: np.ndarray,
    max_ncp: Optional[int] = None,
    vmax: float = 1.0,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    *,
    rate: float = 2.0,
    window: int = WINDOW,
) -> np.ndarray:
    """Shots of a video as inclusive sample ranges ``(n_shots, 2)`` int64 covering 0..n-1.

    Rows are L2-normalised and compared with a linear kernel, as in DSNet/CSTA.
    Time grows as ncp*n^2 and memory as n^2, so for real videos:

    * ncp (the most change points KTS may choose) defaults to one per
      ``SECONDS_PER_CP`` seconds of samples (``rate`` samples per second) and never
      exceeds n-1; ``max_ncp`` caps it for the whole video (split over windows in
      proportion to their length). The penalty usually picks far fewer, and the DP
      stops as soon as more change points cannot win.
    * at most ``window`` samples are segmented at once, so no n x n matrix of the
      whole video ever exists (memory ~ 5*window^2*8 bytes). Longer inputs are cut into
      windows that overlap by a quarter: change points in the last quarter of a window
      are discarded and the next window starts at the last kept change point, so the
      stitching adds no artificial cuts (when a window keeps none early enough, the next
      one starts at its three-quarter mark and the shot simply continues).

    Fewer than 3 samples or constant features give a single shot, never an error.
    """
    X = np.asarray(values)
    if X.ndim == 1:
        X = X[:, None]
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    n = int(X.shape[0])
    if n == 0:
        return np.zeros((0, 2), dtype=np.int64)
    single = np.array([[0, n - 1]], dtype=np.int64)
    if n < 3 or X.shape[1] == 0:
        return single
    if not np.all(np.isfinite(X)):
        X = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
    # Rows are normalised per window in float64: no float64 copy of the whole video.
    inv = 1.0 / np.maximum(np.sqrt(np.einsum("ij,ij->i", X, X, dtype=np.float64)), 1e-12)

    def rows(a: int, b: int) -> np.ndarray:
        return X[a:b].astype(np.float64) * inv[a:b, None]

    first = rows(0, 1)
    if all(np.max(np.abs(rows(a, min(n, a + 4096)) - first)) < 1e-7 for a in range(0, n, 4096)):
        return single
    window = max(16, int(window))
    overlap = window // 4
    cps: list[int] = []
    start = 0
    report(progress, "kts", 0, n)
    while True:
        check(cancel)
        end = min(n, start + window)
        Xw = rows(start, end)
        n_w = end - start
        ncp = _window_ncp(n_w, n, max_ncp, rate)
        if n_w < 3 or ncp == 0:
            found = np.zeros(0, dtype=np.int64)
        else:
            found, _ = cpd_auto(Xw @ Xw.T, ncp, vmax, cancel=cancel)
            found = found[(found > 0) & (found < n_w)] + start
        if end >= n:
            cps.extend(int(c) for c in found)
            break
        limit = end - overlap
        keep = found[found <= limit]
        cps.extend(int(c) for c in keep)
        nxt = int(keep[-1]) if keep.size else start
        start = nxt if nxt - start >= window // 4 else limit
        report(progress, "kts", start, n)
    report(progress, "kts", n, n)
    bounds = np.unique(np.asarray([0] + cps + [n], dtype=np.int64))
    return np.stack([bounds[:-1], bounds[1:] - 1], axis=1).astype(np.int64)
