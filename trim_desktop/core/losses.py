"""The TRIM losses, eqs. (1)-(10) of the paper (Sect. 3), in PyTorch.

Everything that depends only on the features (entropies H_t, PTRI Delta_t, PCTRI
Gamma_t, the REP blur and diameter, the Sinkhorn loss object) is computed once per
video in :class:`VideoTargets`; a training step then only needs the scores p.

Guards: every function returns a finite value for degenerate input. Each guard leaves
the paper's formula untouched in the normal range and only bites in a corner that real
features never reach (one-hot softmax, perfectly static video, constant scores):

* ``H_EPS``  entropy floor in the denominators of Delta_t and Gamma_t (eqs. 1, 2).
  H_t = 0 only if softmax(X_t) is one-hot; then |H_t - H_{t-1}| / 1e-6 is large but finite.
* ``DEN_EPS`` floor of sum_t p_t Delta_t (and Gamma) in eqs. (6), (7): a static video
  (all Delta_t = 0) or N = 1 gives (N-1) / DEN_EPS instead of x / 0. For N = 1 the
  numerator is 0 and the loss is 0. The clamp stops the gradient, which is right: with
  no information change there is nothing to learn from this term.
* ``STD_EPS`` floor of the population std in eqs. (4), (5), (9). torch.std at 0 has an
  infinite derivative (NaN gradients) and 1/0 is inf; the clamped std gives L_SD <= 1e6
  and Pearson = 0 (L_CORR = 1) for a constant view.
* ``W_EPS`` floor of p_t in the REP target weights b = p / sum(p): sigmoid can underflow
  to exactly 0, and log(0) in the log-domain Sinkhorn loop would give NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
from geomloss import SamplesLoss

H_EPS = 1e-6
"""Entropy floor (nats) in the denominators of eqs. (1) and (2)."""
DEN_EPS = 1e-8
"""Floor of sum_{t>=2} p_t Delta_t / Gamma_t in eqs. (6) and (7)."""
STD_EPS = 1e-6
"""Floor of the population std of the scores in eqs. (4), (5) and (9)."""
W_EPS = 1e-12
"""Floor of p_t when p is turned into Sinkhorn weights (eq. 8)."""
REP_BLUR_FRACTION = 0.05
"""Sinkhorn blur as a fraction of the feature-cloud diameter.

geomloss's default blur=0.05 assumes points spanning a unit box; scaling it with the
diameter keeps the same relative regularisation for any backbone, and makes L_REP
scale-equivariant: features times c give the same transport plan and L_REP times c^2.
"""
REP_MAX_POINTS = 600
"""Largest number of samples L_REP transports in one step (5 min at 2 samples/s).

The Sinkhorn loop costs O(N^2) time and memory per step; above this, REP runs on every
k-th sample (k = ceil(N / REP_MAX_POINTS)), a uniformly thinned copy of the video, and
the thinning starts at another offset each training step (``step % k``), so over k
steps every sample is transported (an unbiased stochastic estimate of the full REP).
Measured (docs/benchmarks.md): n = 1200 at 600 points is ~4x cheaper per step than the
full 1200 points, final scores Spearman >= 0.97 to the full-REP ones.
Eqs. (1), (2), (6), (7), (9) always use all samples.
"""


def _as_tensor(x) -> torch.Tensor:
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(np.asarray(x))


# --- metrics on the features (Sect. 3.1) -------------------------------------------


def entropy_per_frame(X) -> torch.Tensor:
    """H_t = -sum_j D_t^j log D_t^j with D_t = softmax(X_t) over the raw features.

    No L2 normalisation (it would make every softmax nearly uniform). Computed in
    float64 with log_softmax, so huge feature values neither overflow nor give log(0);
    returned in X's dtype (float32 for float32 features).
    """
    X = _as_tensor(X)
    if X.dim() != 2:
        raise ValueError(f"expected (N, D) features, got {tuple(X.shape)}")
    out_dtype = X.dtype if X.dtype.is_floating_point else torch.float32
    parts = []
    for i in range(0, X.shape[0], ENTROPY_BLOCK):  # float64 copies of a block, not of X
        logd = torch.log_softmax(X[i : i + ENTROPY_BLOCK].to(torch.float64), dim=-1)
        parts.append(-(logd.exp() * logd).sum(dim=-1))
    H = torch.cat(parts) if parts else X.new_zeros(0, dtype=torch.float64)
    return H.clamp_min(0.0).to(out_dtype)  # rounding can give -1e-17 for one-hot rows


ENTROPY_BLOCK = 1024
"""Rows per block in :func:`entropy_per_frame`: its float64 temporaries of a 2-hour video
(N = 14400, D = 1280) would be ~440 MB at once."""


def ptri(H) -> torch.Tensor:
    """PTRI Delta_t = |(H_t - H_{t-1}) / H_t| (eq. 1); Delta_1 := 0 (no predecessor).

    Delta_1 is never used: eq. (6) sums over t >= 2.
    """
    H = _as_tensor(H)
    Hd = H.to(torch.float64)
    out = torch.zeros_like(Hd)
    if Hd.numel() > 1:
        out[1:] = ((Hd[1:] - Hd[:-1]) / Hd[1:].clamp_min(H_EPS)).abs()
    return out.to(H.dtype if H.dtype.is_floating_point else torch.float32)


def pctri(H) -> torch.Tensor:
    """PCTRI Gamma_t = |(H_t - mean(H_1..H_{t-1})) / H_t| (eq. 2); Gamma_1 := 0."""
    H = _as_tensor(H)
    Hd = H.to(torch.float64)
    out = torch.zeros_like(Hd)
    if Hd.numel() > 1:
        past_mean = torch.cumsum(Hd, 0)[:-1] / torch.arange(
            1, Hd.numel(), dtype=Hd.dtype, device=Hd.device
        )
        out[1:] = ((Hd[1:] - past_mean) / Hd[1:].clamp_min(H_EPS)).abs()
    return out.to(H.dtype if H.dtype.is_floating_point else torch.float32)


# --- stage-2 losses (Sect. 3.4) ----------------------------------------------------


def _relative_info_loss(p: torch.Tensor, metric: torch.Tensor) -> torch.Tensor:
    n = p.shape[-1]
    den = (p[1:] * metric[1:].to(p)).sum()
    return (n - 1) / den.clamp_min(DEN_EPS)


def l_ptrim(p: torch.Tensor, delta: torch.Tensor) -> torch.Tensor:
    """L_PTRIM = (N-1) / sum_{t>=2} p_t Delta_t (eq. 6): high p where information changes."""
    return _relative_info_loss(p, delta)


def l_pctrim(p: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """L_PCTRIM = (N-1) / sum_{t>=2} p_t Gamma_t (eq. 7): high p on novel content."""
    return _relative_info_loss(p, gamma)


def _safe_std(p: torch.Tensor) -> torch.Tensor:
    """Population std, clamped at STD_EPS (finite value and gradient for constant p)."""
    var = ((p - p.mean(dim=-1, keepdim=True)) ** 2).mean(dim=-1)
    return var.clamp_min(STD_EPS**2).sqrt()


def l_sd(p: torch.Tensor) -> torch.Tensor:
    """L_SD = 1 / std(p), population std (eq. 9; also L_SD1/L_SD2 of eq. 5)."""
    return 1.0 / _safe_std(p)


def rep_scale(X) -> tuple[float, float]:
    """(blur, diameter) for eq. (8), from the features alone.

    The diameter is the largest distance within X and the origin. Every Y_t = p_t X_t
    lies on the segment [0, X_t], so it bounds all distances between points of X and Y
    for any p: a valid start for geomloss's epsilon-scaling, computed once per video.
    """
    X = _as_tensor(X).detach().to(torch.float64)
    pts = torch.cat([X, X.new_zeros(1, X.shape[1])])
    diam = _max_distance(pts) if pts.shape[0] > 1 else 0.0
    diam = max(diam, 1e-6)  # all-zero features: any positive scale will do
    return REP_BLUR_FRACTION * diam, diam


DIAMETER_BLOCK = 1024
"""Rows per block when looking for the largest distance: memory stays O(block x N).

The full distance matrix of a 2-hour video (N = 14400) is 1.66 GB in float64; measured
peak memory of the whole run went from 3.1 GB to NN GB with blocks (docs/benchmarks.md)."""


def _max_distance(pts: torch.Tensor) -> float:
    """max_ij |pts_i - pts_j|, one block of rows at a time (never an N x N matrix)."""
    best = 0.0
    for i in range(0, pts.shape[0], DIAMETER_BLOCK):
        best = max(best, float(torch.cdist(pts[i : i + DIAMETER_BLOCK], pts).max()))
    return best


def _sinkhorn(blur: float, diameter: Optional[float]) -> SamplesLoss:
    # tensorized: the automatic choice switches to the KeOps "online" backend for large
    # N, which fails without pykeops.
    return SamplesLoss("sinkhorn", p=2, blur=blur, diameter=diameter, backend="tensorized")


def _rep(p: torch.Tensor, X: torch.Tensor, loss_fn: SamplesLoss, a: torch.Tensor) -> torch.Tensor:
    pw = p.clamp_min(W_EPS)
    b = pw / pw.sum()
    Y = p.unsqueeze(-1) * X
    # geomloss's cost is |x-y|^2 / 2, so its Sinkhorn divergence approximates W2^2 / 2;
    # times 2 gives the W2^2 of eq. (8).
    return 2.0 * loss_fn(a, X, b, Y)


def l_rep(p: torch.Tensor, X, blur: Optional[float] = None) -> torch.Tensor:
    """L_REP = W2^2 between X (uniform weights) and Y_t = p_t X_t (weights p/sum p), eq. 8.

    Debiased Sinkhorn divergence (geomloss). ``blur=None`` picks REP_BLUR_FRACTION times
    the feature diameter (see :func:`rep_scale`). Training uses VideoTargets.rep(), which
    reuses the scale and the loss object.
    """
    X = _as_tensor(X).to(p)
    b_scale, diam = rep_scale(X)
    if blur is None:
        blur = b_scale
    n = X.shape[0]
    a = torch.full((n,), 1.0 / n, dtype=X.dtype, device=X.device)
    return _rep(p, X, _sinkhorn(blur, max(diam, blur)), a)


class _GramCost:
    """Halved squared distances between scaled feature rows, read from a fixed Gram matrix.

    Points are passed to geomloss as (row index, scale) pairs: (t, 1) is X_t and (t, p_t)
    is Y_t = p_t X_t. Then |s_i X_i - s_j X_j|^2 / 2 = (s_i^2 G_ii + s_j^2 G_jj) / 2
    - s_i s_j G_ij with G = X X^T computed once per video, so a step costs O(N^2) instead
    of the four O(N^2 D) products geomloss's default cost would redo every step.
    Exact, the same cost geomloss uses for p=2; gradients flow through the scales.
    """

    def __init__(self, X: torch.Tensor) -> None:
        Xd = X.detach().to(torch.float64)
        self.G = (Xd @ Xd.T).to(X.dtype)
        self.sq = torch.diagonal(self.G).clone()

    def __call__(self, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        iu, su = u[..., 0].detach().long(), u[..., 1]  # (B, N)
        iv, sv = v[..., 0].detach().long(), v[..., 1]  # (B, M)
        Guv = self.G[iu.unsqueeze(-1), iv.unsqueeze(-2)]  # (B, N, M)
        c = 0.5 * ((su**2 * self.sq[iu]).unsqueeze(-1) + (sv**2 * self.sq[iv]).unsqueeze(-2))
        return (c - su.unsqueeze(-1) * sv.unsqueeze(-2) * Guv).clamp_min(0.0)


@dataclass
class VideoTargets:
    """Everything eqs. (1), (2), (8) need that depends only on one video's features."""

    X: torch.Tensor  # (N, D) features on the training device
    H: torch.Tensor  # (N,) entropies of softmax(X_t)
    delta: torch.Tensor  # (N,) PTRI, eq. (1)
    Gamma: torch.Tensor  # (N,) PCTRI, eq. (2)
    rep_blur: float
    rep_diameter: float
    rep_a: torch.Tensor  # (N,) uniform weights 1/N of the source cloud X
    rep_loss: SamplesLoss  # geomloss Sinkhorn with the Gram-matrix cost
    rep_rows: torch.Tensor  # (M,) rows used by REP: all N, or every k-th if N > REP_MAX_POINTS
    rep_index: torch.Tensor  # (M,) the same as floats (first point coordinate)
    rep_stride: int = 1  # k: REP at step s uses rows s % k, s % k + k, ...
    _rep_by_offset: Optional[dict] = None  # offset -> (rows, a, index, loss), built on first use
    _rep_ref: Optional[float] = None  # L_REP at p = 0.5 everywhere (balanced_terms)

    @classmethod
    def build(
        cls, X, device=None, blur: Optional[float] = None, max_points: Optional[int] = None
    ) -> VideoTargets:
        X = _as_tensor(X).to(dtype=torch.float32)
        if X.dim() != 2 or X.shape[0] < 1:
            raise ValueError(f"expected (N>=1, D) features, got {tuple(X.shape)}")
        if not torch.isfinite(X).all():
            raise ValueError("features contain NaN or inf")
        device = torch.device(device) if device is not None else X.device
        X = X.to(device)
        H = entropy_per_frame(X)
        b_scale, diam = rep_scale(X)
        blur = b_scale if blur is None else float(blur)
        n = X.shape[0]
        limit = REP_MAX_POINTS if max_points is None else max(1, int(max_points))
        step = max(1, math.ceil(n / limit))
        rows = torch.arange(0, n, step, device=device)
        m = rows.numel()
        # diameter is always passed: geomloss must not estimate it from the
        # (index, scale) coordinates.
        loss = SamplesLoss(
            "sinkhorn",
            p=2,
            blur=blur,
            diameter=max(diam, blur),
            cost=_GramCost(X[rows]),
            backend="tensorized",
        )
        return cls(
            X=X,
            H=H,
            delta=ptri(H),
            Gamma=pctri(H),
            rep_blur=blur,
            rep_diameter=max(diam, blur),
            rep_a=torch.full((m,), 1.0 / m, dtype=torch.float32, device=device),
            rep_loss=loss,
            rep_rows=rows,
            rep_index=torch.arange(m, dtype=torch.float32, device=device),
            rep_stride=step,
        )

    def _rep_parts(self, offset: int):
        """(rows, a, index, loss) of the thinned copy starting at ``offset`` (cached)."""
        if offset == 0:
            return self.rep_rows, self.rep_a, self.rep_index, self.rep_loss
        if self._rep_by_offset is None:
            self._rep_by_offset = {}
        if offset not in self._rep_by_offset:
            dev = self.X.device
            rows = torch.arange(offset, self.n, self.rep_stride, device=dev)
            m = rows.numel()
            loss = SamplesLoss(
                "sinkhorn",
                p=2,
                blur=self.rep_blur,
                diameter=self.rep_diameter,
                cost=_GramCost(self.X[rows]),
                backend="tensorized",
            )
            self._rep_by_offset[offset] = (
                rows,
                torch.full((m,), 1.0 / m, dtype=torch.float32, device=dev),
                torch.arange(m, dtype=torch.float32, device=dev),
                loss,
            )
        return self._rep_by_offset[offset]

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    def signal_mean(self, name: str) -> float:
        """Mean of Delta or Gamma over t >= 2 (floored at DEN_EPS: a static video has 0)."""
        v = getattr(self, name)
        return max(float(v[1:].double().mean()), DEN_EPS) if self.n > 1 else 1.0

    def rep_reference(self) -> float:
        """L_REP when every score is 0.5 (the scale :func:`balanced_terms` divides by)."""
        ref = getattr(self, "_rep_ref", None)
        if ref is None:
            with torch.no_grad():
                half = torch.full((self.n,), 0.5, dtype=torch.float32, device=self.X.device)
                ref = self._rep_ref = max(float(self.rep(half, 0)), 1e-12)
        return ref

    def rep(self, p: torch.Tensor, step: int = 0) -> torch.Tensor:
        """L_REP (eq. 8), equal to :func:`l_rep` but O(N^2) per call (see _GramCost).

        Long videos (N > REP_MAX_POINTS): the thinned copy for training step ``step``.
        """
        rows, a, index, loss = self._rep_parts(int(step) % self.rep_stride)
        if p.shape[-1] != index.numel() or self.rep_stride > 1:
            p = p[rows]
        pw = p.clamp_min(W_EPS)
        b = pw / pw.sum()
        x = torch.stack([index, torch.ones_like(p)], dim=-1)
        y = torch.stack([index, p], dim=-1)
        return 2.0 * loss(a, x, b, y)


def unsup_terms(
    p: torch.Tensor, targets: VideoTargets, alpha: float, beta: float, gamma: float, step: int = 0
) -> dict[str, torch.Tensor]:
    """The terms of eq. (10) and their weighted sum under key ``"unsup"``.

    A term whose weight is 0 is not computed (REP is the expensive one) and is absent
    from the dict. ``step`` picks the thinned REP copy of long videos (see
    REP_MAX_POINTS).
    """
    terms: dict[str, torch.Tensor] = {}
    total = l_sd(p)
    terms["sd"] = total
    if alpha:
        terms["ptrim"] = l_ptrim(p, targets.delta)
        total = total + alpha * terms["ptrim"]
    if beta:
        terms["pctrim"] = l_pctrim(p, targets.Gamma)
        total = total + beta * terms["pctrim"]
    if gamma:
        terms["rep"] = targets.rep(p, step)
        total = total + gamma * terms["rep"]
    terms["unsup"] = total
    return terms


LEVEL_WEIGHT = 10.0
"""Weight of (mean(p) - 0.5)^2 in :func:`balanced_terms`: the balanced terms do not care
about the level of the scores, so nothing else would stop Adam's steady steps from
drifting every score to 0 or 1, where the sigmoid has no gradient left."""


def balanced_terms(
    p: torch.Tensor,
    targets: VideoTargets,
    alpha: float,
    beta: float,
    gamma: float,
    sd_weight: float,
    step: int = 0,
) -> dict[str, torch.Tensor]:
    """Eq. (10) with terms of equal size, for training on one video (the app's regime).

    Why: the paper's terms differ by orders of magnitude between videos and backbones
    (L_PTRIM ~ 1 / mean(Delta), L_REP ~ |X|^2), and L_PTRIM, L_PCTRIM and L_REP all fall
    when *every* score rises, so on one video they mostly raise the mean score until the
    sigmoid saturates, and L_SD then amplifies whatever ranking the random initialisation
    had: the weights barely changed the ranking (docs/training.md). Here

    * L_PTRIM and L_PCTRIM are evaluated on p / mean(p) and multiplied by the mean of
      their signal: mean(Delta) / (p-weighted mean of Delta), 1 for flat scores. The same
      formula as eqs. (6), (7), but blind to the level of the scores, so its gradient
      only moves the ranking: up where the signal is above its p-weighted mean, down
      where it is below;
    * L_REP is taken on p - mean(p) + 0.5 (so raising every score, which alone drives
      L_REP to 0, is no longer a way down: what is left is which moments it raises) and
      divided by its value for scores all 0.5 (:meth:`VideoTargets.rep_reference`);
    * L_SD is taken on p / mean(p) too, weighted by ``sd_weight``;
    * ``"level"`` = LEVEL_WEIGHT (mean(p) - 0.5)^2 keeps the scores where the sigmoid
      still moves; it does not change the ranking.
    """
    terms: dict[str, torch.Tensor] = {}
    rel = p / p.mean().clamp_min(W_EPS)
    terms["sd"] = l_sd(rel)
    terms["level"] = LEVEL_WEIGHT * (p.mean() - 0.5) ** 2
    total = sd_weight * terms["sd"] + terms["level"]
    if alpha:
        terms["ptrim"] = l_ptrim(rel, targets.delta) * targets.signal_mean("delta")
        total = total + alpha * terms["ptrim"]
    if beta:
        terms["pctrim"] = l_pctrim(rel, targets.Gamma) * targets.signal_mean("Gamma")
        total = total + beta * terms["pctrim"]
    if gamma:
        terms["rep"] = targets.rep(p - p.mean() + 0.5, step) / targets.rep_reference()
        total = total + gamma * terms["rep"]
    terms["unsup"] = total
    return terms


def l_unsup(
    p: torch.Tensor, targets: VideoTargets, alpha: float, beta: float, gamma: float
) -> torch.Tensor:
    """L_UNSUP = alpha L_PTRIM + beta L_PCTRIM + gamma L_REP + L_SD (eq. 10)."""
    return unsup_terms(p, targets, alpha, beta, gamma)["unsup"]


# --- stage-1 losses (Sect. 3.3) ----------------------------------------------------


def l_corr(p1: torch.Tensor, p2: torch.Tensor) -> torch.Tensor:
    """L_CORR = 1 - Pearson(p', p'') (eq. 4); a constant view counts as correlation 0."""
    c1 = p1 - p1.mean()
    c2 = p2 - p2.mean()
    r = (c1 * c2).mean() / (_safe_std(p1) * _safe_std(p2))
    return 1.0 - r.clamp(-1.0, 1.0)


def pre_terms(p1: torch.Tensor, p2: torch.Tensor, nu: float) -> dict[str, torch.Tensor]:
    """The terms of eq. (3) and their sum under key ``"pre"``."""
    corr, sd1, sd2 = l_corr(p1, p2), l_sd(p1), l_sd(p2)
    return {"pre": corr + nu * (sd1 + sd2), "corr": corr, "sd1": sd1, "sd2": sd2}


def l_pre(p1: torch.Tensor, p2: torch.Tensor, nu: float) -> torch.Tensor:
    """L_PRE = L_CORR + nu (L_SD1 + L_SD2) (eqs. 3-5)."""
    return pre_terms(p1, p2, nu)["pre"]
