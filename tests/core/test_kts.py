"""KTS: exact agreement with a reference-style loop implementation, planted boundaries,
degenerate inputs, and bounded memory on long inputs."""

from __future__ import annotations

import time
import tracemalloc

import numpy as np
import pytest

from trim_desktop.core import kts
from trim_desktop.core.progress import Cancelled, CancelToken

# ---- oracle: the reference algorithm written plainly (Potapov 2014 / DSNet copy) ----


def _ref_scatters(K):
    n = K.shape[0]
    K1 = np.cumsum([0] + list(np.diag(K)))
    K2 = np.zeros((n + 1, n + 1))
    K2[1:, 1:] = np.cumsum(np.cumsum(K, 0), 1)
    d = np.diag(K2)
    i = np.arange(n).reshape((-1, 1))
    j = np.arange(n).reshape((1, -1))
    sc = (
        K1[1:].reshape((1, -1))
        - K1[:-1].reshape((-1, 1))
        - (d[1:].reshape((1, -1)) + d[:-1].reshape((-1, 1)) - K2[1:, :-1].T - K2[:-1, 1:])
        / ((j - i + 1).astype(np.float32) + (j == i - 1).astype(np.float32))
    )
    sc[j < i] = 0
    return sc


def _ref_nonlin(K, ncp, lmin=1, lmax=100000):
    m, n = int(ncp), K.shape[0]
    J = _ref_scatters(K)
    I = 1e101 * np.ones((m + 1, n + 1))  # noqa: E741 - KTS paper notation
    I[0, lmin:lmax] = J[0, lmin - 1 : lmax - 1]
    p = np.zeros((m + 1, n + 1), dtype=int)
    for k in range(1, m + 1):
        for l in range((k + 1) * lmin, n + 1):  # noqa: E741 - KTS paper notation
            tmin, tmax = max(k * lmin, l - lmax), l - lmin + 1
            best, arg = np.inf, tmin
            for t in range(tmin, tmax):  # plain loop over candidates
                c = J[t, l - 1] + I[k - 1, t]
                if c < best:
                    best, arg = c, t
            I[k, l], p[k, l] = best, arg
    cps, cur = np.zeros(m, dtype=int), n
    for k in range(m, 0, -1):
        cps[k - 1] = cur = p[k, cur]
    s = I[:, n].copy()
    s[s > 1e99] = np.inf
    return cps, s


def _ref_auto(K, ncp, vmax, **kw):
    _, scores = _ref_nonlin(K, ncp, **kw)
    n = K.shape[0]
    pen = np.zeros(ncp + 1)
    k = np.arange(1, ncp + 1)
    pen[1:] = (vmax * k / (2.0 * n)) * (np.log(float(n) / k) + 1)
    return _ref_nonlin(K, int(np.argmin(scores / float(n) + pen)), **kw)


def _kernel(X):
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    return X @ X.T


def _piecewise(rng, n, D, n_cps, noise):
    cps = np.sort(rng.choice(np.arange(1, n), size=n_cps, replace=False))
    lens = np.diff(np.r_[0, cps, n])
    X = np.repeat(rng.normal(size=(n_cps + 1, D)), lens, axis=0)
    return X + noise * rng.normal(size=(n, D)), cps


# ---- exactness ----


@pytest.mark.parametrize("seed", range(6))
def test_cpd_auto_matches_reference(seed):
    rng = np.random.default_rng(seed)
    for _ in range(6):
        n = int(rng.integers(3, 41))
        D = int(rng.integers(1, 9))
        if rng.random() < 0.5:
            X = rng.normal(size=(n, D))
        else:
            X, _ = _piecewise(rng, n, D, int(rng.integers(0, min(6, n - 1))), 0.3)
        K = _kernel(X)
        for ncp in {0, 1, int(rng.integers(0, n)), n - 1}:
            for vmax in (0.2, 1.0, 3.0):
                cps, costs = kts.cpd_auto(K, ncp, vmax)
                rcps, rcosts = _ref_auto(K, ncp, vmax)
                assert np.array_equal(cps, rcps), (n, ncp, vmax)
                np.testing.assert_array_equal(costs, rcosts)


def test_cpd_nonlin_matches_reference_with_lmin_lmax():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(40):
        n = int(rng.integers(4, 30))
        K = _kernel(rng.normal(size=(n, 4)))
        lmin = int(rng.integers(1, 4))
        m = int(rng.integers(0, n // lmin))
        lmax = int(rng.integers(lmin, n + 2))
        if (m + 1) * lmin > n or n > (m + 1) * lmax:
            continue
        cps, scores = kts.cpd_nonlin(K, m, lmin=lmin, lmax=lmax)
        rcps, rscores = _ref_nonlin(K, m, lmin=lmin, lmax=lmax)
        np.testing.assert_array_equal(scores, rscores)
        if np.isfinite(rscores[-1]):
            assert np.array_equal(cps, rcps)
        checked += 1
        cps, scores = kts.cpd_nonlin(K, m, lmin=lmin)
        rcps, rscores = _ref_nonlin(K, m, lmin=lmin)
        assert np.array_equal(cps, rcps)
        np.testing.assert_array_equal(scores, rscores)
    assert checked > 10


def test_scatters_match_reference():
    K = _kernel(np.random.default_rng(3).normal(size=(25, 5)))
    np.testing.assert_array_equal(kts.calc_scatters(K), _ref_scatters(K))


def test_cpd_nonlin_rejects_impossible():
    with pytest.raises(ValueError):
        kts.cpd_nonlin(np.eye(4), 4)


# ---- behaviour ----


def test_kts_finds_planted_boundaries():
    rng = np.random.default_rng(11)
    X, cps = _piecewise(rng, 300, 32, 9, 0.2)
    shots = kts.kts_shots(X)
    assert np.array_equal(shots[1:, 0], cps)


def test_kts_windowed_finds_planted_boundaries():
    rng = np.random.default_rng(12)
    n = 3000
    X, cps = _piecewise(rng, n, 16, 120, 0.2)
    shots = kts.kts_shots(X, window=700)
    _assert_tiles(shots, n)
    found = shots[1:, 0]
    # every planted boundary found within one sample; no extra cuts
    assert len(found) == len(cps)
    assert np.max(np.abs(found - cps)) <= 1


def _assert_tiles(shots, n):
    assert shots.dtype == np.int64 and shots.ndim == 2 and shots.shape[1] == 2
    assert shots[0, 0] == 0 and shots[-1, 1] == n - 1
    assert np.all(shots[1:, 0] == shots[:-1, 1] + 1)
    assert np.all(shots[:, 1] >= shots[:, 0])


def test_kts_shots_matches_cpd_auto_on_short_input():
    rng = np.random.default_rng(5)
    X, _ = _piecewise(rng, 120, 8, 6, 0.5)
    shots = kts.kts_shots(X, max_ncp=119)
    cps, _ = kts.cpd_auto(_kernel(X), 119, 1.0)
    assert np.array_equal(shots[1:, 0], cps)


@pytest.mark.parametrize(
    "X",
    [
        np.zeros((0, 5)),
        np.ones((1, 5)),
        np.ones((2, 5)),
        np.ones((50, 5)),
        np.zeros((50, 5)),
        np.tile(np.arange(1.0, 6.0), (40, 1)),
        np.full((10, 3), np.nan),
        np.zeros((7, 0)),
    ],
)
def test_degenerate_inputs(X):
    shots = kts.kts_shots(X)
    n = X.shape[0]
    if n == 0:
        assert shots.shape == (0, 2)
    else:
        assert shots.tolist() == [[0, n - 1]]


def test_zero_ncp_and_progress_and_cancel():
    X, _ = _piecewise(np.random.default_rng(1), 200, 8, 5, 0.1)
    assert kts.kts_shots(X, max_ncp=0).tolist() == [[0, 199]]
    seen = []
    kts.kts_shots(X, progress=seen.append)
    assert seen and seen[-1].stage == "kts" and seen[-1].fraction == 1.0
    tok = CancelToken()
    tok.cancel()
    with pytest.raises(Cancelled):
        kts.kts_shots(X, cancel=tok)


def test_long_input_bounded_memory_and_time():
    rng = np.random.default_rng(2)
    n, D = 20000, 64
    X, _ = _piecewise(rng, n, D, 1000, 0.3)
    X = X.astype(np.float32)
    tracemalloc.start()
    t = time.process_time()  # CPU time: robust to other jobs sharing the machine
    try:
        shots = kts.kts_shots(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.process_time() - t
    _assert_tiles(shots, n)
    full = n * n * 4  # one n x n float32 matrix: 1.6 GB
    assert peak < 100e6 < full / 10, peak  # measured ~42 MB with the default window
    assert elapsed < 20, elapsed
    assert 500 < len(shots) < 2000
