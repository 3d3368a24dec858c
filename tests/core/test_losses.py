"""Eqs. (1)-(10) against numpy arithmetic on tiny inputs, and the degenerate-input guards."""

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from trim_desktop.core import losses as L

X3 = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0], [2.0, 2.0, 2.0], [1.0, -1.0, 0.0]])
P4 = np.array([0.2, 0.9, 0.4, 0.7])


def np_entropy(X):
    e = np.exp(X - X.max(1, keepdims=True))
    d = e / e.sum(1, keepdims=True)
    return -(d * np.log(d)).sum(1)


def t(a):
    return torch.tensor(a, dtype=torch.float64)


def test_entropy_matches_numpy():
    H = L.entropy_per_frame(t(X3)).numpy()
    np.testing.assert_allclose(H, np_entropy(X3), rtol=1e-12)
    # uniform row -> log(d)
    assert H[2] == pytest.approx(np.log(3))


def test_entropy_is_stable_and_not_normalised():
    X = torch.tensor([[1e4, 0.0, 0.0], [-1e4, 5.0, 5.0]], dtype=torch.float32)
    H = L.entropy_per_frame(X)
    assert torch.isfinite(H).all()
    assert H[0] == pytest.approx(0.0, abs=1e-6)
    assert H[1] == pytest.approx(np.log(2), rel=1e-6)
    # scaling the features changes the softmax: no L2 normalisation inside
    assert not torch.allclose(L.entropy_per_frame(t(X3)), L.entropy_per_frame(t(X3 * 10)))


def test_ptri_pctri_by_hand():
    H = np_entropy(X3)
    delta = np.array(
        [0.0, abs((H[1] - H[0]) / H[1]), abs((H[2] - H[1]) / H[2]), abs((H[3] - H[2]) / H[3])]
    )
    gamma = np.array(
        [
            0.0,
            abs((H[1] - H[0]) / H[1]),
            abs((H[2] - (H[0] + H[1]) / 2) / H[2]),
            abs((H[3] - (H[0] + H[1] + H[2]) / 3) / H[3]),
        ]
    )
    np.testing.assert_allclose(L.ptri(t(H)).numpy(), delta, rtol=1e-12)
    np.testing.assert_allclose(L.pctri(t(H)).numpy(), gamma, rtol=1e-12)


def test_ptrim_pctrim_sum_from_t2():
    delta = np.array([100.0, 0.1, 0.3, 0.05])  # Delta_1 must be ignored
    expect = 3 / (0.9 * 0.1 + 0.4 * 0.3 + 0.7 * 0.05)
    assert L.l_ptrim(t(P4), t(delta)).item() == pytest.approx(expect, rel=1e-12)
    assert L.l_pctrim(t(P4), t(delta)).item() == pytest.approx(expect, rel=1e-12)


def test_sd_corr_pre_by_hand():
    p1, p2 = P4, np.array([0.1, 0.8, 0.5, 0.6])
    sd = np.sqrt(((p1 - p1.mean()) ** 2).mean())  # population std
    assert L.l_sd(t(p1)).item() == pytest.approx(1 / sd, rel=1e-12)
    r = ((p1 - p1.mean()) * (p2 - p2.mean())).sum() / np.sqrt(
        ((p1 - p1.mean()) ** 2).sum() * ((p2 - p2.mean()) ** 2).sum()
    )
    assert L.l_corr(t(p1), t(p2)).item() == pytest.approx(1 - r, rel=1e-12)
    sd2 = np.sqrt(((p2 - p2.mean()) ** 2).mean())
    nu = 0.005
    assert L.l_pre(t(p1), t(p2), nu).item() == pytest.approx(
        1 - r + nu * (1 / sd + 1 / sd2), rel=1e-12
    )


def exact_w2(X, Y, a, b):
    """Exact W2^2 by linear programming (tiny sizes only)."""
    n, m = len(a), len(b)
    C = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(-1)
    A = np.zeros((n + m, n * m))
    for i in range(n):
        A[i, i * m : (i + 1) * m] = 1
    for j in range(m):
        A[n + j, j::m] = 1
    res = linprog(C.ravel(), A_eq=A, b_eq=np.concatenate([a, b]), bounds=(0, None), method="highs")
    return res.fun


def test_rep_is_w2_squared():
    X = X3[:, :2] + 3.0
    p = P4
    Y = p[:, None] * X
    expect = exact_w2(X, Y, np.full(4, 0.25), p / p.sum())
    got = L.l_rep(t(p), t(X), blur=1e-3).item()
    # geomloss anneals epsilon with scaling=0.5 (one Sinkhorn pass per scale): ~2-3 % low
    # here; with scaling=0.99 it gives the LP value to 1e-6 (checked by hand)
    assert got == pytest.approx(expect, rel=5e-2)


def test_rep_single_point_and_identity():
    x = t([[3.0, 4.0]])
    # one point each: W2^2 = |x - p x|^2 = (1 - p)^2 |x|^2
    assert L.l_rep(t([0.6]), x).item() == pytest.approx(0.16 * 25, rel=1e-6)
    # p = 1 everywhere: Y = X with the same uniform weights -> 0
    assert L.l_rep(torch.ones(4, dtype=torch.float64), t(X3)).item() == pytest.approx(0.0, abs=1e-6)


def test_targets_rep_equals_l_rep_and_scales_as_c2():
    torch.manual_seed(0)
    X = torch.relu(torch.randn(40, 12) + 0.3)
    T = L.VideoTargets.build(X)
    p1 = torch.rand(40, requires_grad=True)
    p2 = p1.detach().clone().requires_grad_(True)
    a, b = T.rep(p1), L.l_rep(p2, X)
    a.backward()
    b.backward()
    assert a.item() == pytest.approx(b.item(), rel=1e-4)
    assert torch.allclose(p1.grad, p2.grad, rtol=1e-2, atol=1e-4)
    T5 = L.VideoTargets.build(X * 5)
    assert T5.rep(p1.detach()).item() == pytest.approx(25 * a.item(), rel=1e-3)


def test_targets_hold_the_feature_terms():
    T = L.VideoTargets.build(torch.tensor(X3, dtype=torch.float32))
    H = np_entropy(X3)
    np.testing.assert_allclose(T.H.numpy(), H, rtol=1e-6)
    np.testing.assert_allclose(T.delta.numpy(), L.ptri(t(H)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(T.Gamma.numpy(), L.pctri(t(H)).numpy(), rtol=1e-5)
    assert T.rep_blur > 0 and T.rep_diameter >= T.rep_blur


def test_unsup_is_the_weighted_sum():
    T = L.VideoTargets.build(torch.tensor(X3, dtype=torch.float32))
    p = torch.tensor(P4, dtype=torch.float32)
    terms = L.unsup_terms(p, T, 1.0, 5.0, 0.5)
    expect = terms["ptrim"] + 5 * terms["pctrim"] + 0.5 * terms["rep"] + terms["sd"]
    assert terms["unsup"].item() == pytest.approx(expect.item(), rel=1e-6)
    assert L.l_unsup(p, T, 1.0, 5.0, 0.5).item() == pytest.approx(expect.item(), rel=1e-6)
    only = L.unsup_terms(p, T, 1.0, 0.0, 0.0)
    assert "rep" not in only and "pctrim" not in only
    assert only["unsup"].item() == pytest.approx((only["ptrim"] + only["sd"]).item(), rel=1e-6)


@pytest.mark.parametrize(
    "X",
    [
        np.zeros((1, 4)),  # N = 1
        np.ones((2, 4)),  # N = 2, static
        np.ones((6, 3)),  # static video: all Delta = 0
        np.array([[1e4, 0, 0], [1e4, 0, 0], [0, 0, 0]]),  # zero entropy rows
        np.zeros((5, 3)),  # all-zero features
    ],
)
@pytest.mark.parametrize("p_kind", ["const", "varied", "zero"])
def test_degenerate_inputs_are_finite(X, p_kind):
    n = X.shape[0]
    T = L.VideoTargets.build(torch.tensor(X, dtype=torch.float32))
    assert all(torch.isfinite(v).all() for v in (T.H, T.delta, T.Gamma))
    base = {
        "const": torch.full((n,), 0.5),
        "varied": torch.linspace(0.1, 0.9, n),
        "zero": torch.zeros(n),
    }[p_kind]
    p = base.clone().requires_grad_(True)
    terms = L.unsup_terms(p, T, 1.0, 5.0, 0.5)
    terms["unsup"].backward()
    assert all(torch.isfinite(v) for v in terms.values()), terms
    assert torch.isfinite(p.grad).all()
    q = base.clone().requires_grad_(True)
    pre = L.l_pre(q, q.flip(0), 0.005)
    pre.backward()
    assert torch.isfinite(pre) and torch.isfinite(q.grad).all()


def test_guards_values():
    # constant scores: std clamped at STD_EPS; constant view correlates 0
    p = torch.full((4,), 0.3)
    assert L.l_sd(p).item() == pytest.approx(1 / L.STD_EPS)
    assert L.l_corr(p, torch.rand(4)).item() == pytest.approx(1.0)
    # sum p Delta = 0: (N-1) / DEN_EPS; N = 1: 0
    assert L.l_ptrim(torch.rand(5), torch.zeros(5)).item() == pytest.approx(4 / L.DEN_EPS)
    assert L.l_ptrim(torch.rand(1), torch.zeros(1)).item() == 0.0


def test_rep_thinning_rotates_over_steps(monkeypatch):
    """Long videos: REP on every k-th sample, from offset step % k, finite and differentiable."""
    monkeypatch.setattr(L, "REP_MAX_POINTS", 10)
    g = torch.Generator().manual_seed(0)
    X = torch.rand(25, 6, generator=g) + 0.5
    T = L.VideoTargets.build(X)
    assert T.rep_stride == 3
    seen = set()
    for step in range(3):
        p = torch.rand(25, generator=g).clamp(0.05, 0.95).requires_grad_()
        v = T.rep(p, step)
        v.backward()
        assert torch.isfinite(v) and v.item() >= -1e-6
        used = set(torch.nonzero(p.grad).flatten().tolist())
        assert used and all(i % 3 == step for i in used)
        seen |= used
    assert seen == set(range(25))
    # step 0 is the same thinned copy as before the rotation existed
    p = torch.full((25,), 0.5)
    assert T.rep(p, 0).item() == pytest.approx(T.rep(p, 3).item())


def test_feature_diameter_is_exact_and_computed_in_blocks(monkeypatch):
    """rep_scale must not build the N x N distance matrix (1.66 GB for a 2-hour video)."""
    from trim_desktop.core import losses as L

    X = torch.randn(50, 6, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    pts = torch.cat([X, X.new_zeros(1, 6)])
    exact = float(torch.cdist(pts, pts).max())
    shapes = []
    real_cdist = torch.cdist

    def spy(a, b, *args, **kw):
        shapes.append((a.shape[0], b.shape[0]))
        return real_cdist(a, b, *args, **kw)

    monkeypatch.setattr(L, "DIAMETER_BLOCK", 8)
    monkeypatch.setattr(torch, "cdist", spy)
    blur, diam = L.rep_scale(X)
    assert diam == pytest.approx(exact, rel=1e-12)
    assert blur == pytest.approx(L.REP_BLUR_FRACTION * exact, rel=1e-12)
    assert len(shapes) == 7 and max(r for r, _ in shapes) == 8
