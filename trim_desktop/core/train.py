"""Training TrimScorer: stage 1 (masked views, L_PRE) then stage 2 (L_UNSUP).

The desktop app trains one small network per video (seconds, CPU is fine): the scores
of that network are the video's importance scores. Research mode trains one network on
many videos (:func:`train_on_collection`), as the paper does. Defaults for the
one-video regime were measured in ``benchmarks/training_convergence.py``; see
``docs/training.md``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Optional, Sequence

import numpy as np
import torch

from .adam import Adam
from .losses import VideoTargets, balanced_terms, pre_terms, unsup_terms
from .model import TrimScorer
from .progress import CancelToken, ProgressFn, check, report
from .settings import (  # noqa: F401 - train's names too
    AUTO_THRESHOLD_S,
    PAPER_WEIGHTS,
    PRESET_LABELS,
    PRESET_WEIGHTS,
    Weights,
    preset_for_duration,
)

REPORT_INTERVAL_S = 0.25
"""Minimum time between two progress reports carrying scores (a live plot redraws on each)."""

DEFAULT_LR = 1e-4
"""Adam learning rate for one video (measured, docs/training.md): 1e-5 is still moving
after 30 steps; 1e-3 and above saturate the sigmoid (all scores 0 or 1, std 0) on some
seeds, and a saturated network has no gradient left."""
DEFAULT_STEPS1 = 10
"""Stage-1 steps (each = 2 masked views): Spearman 0.98 to the 30-step scores at lr 1e-4."""
DEFAULT_STEPS2 = 30
"""Stage-2 steps (docs/training.md, "Regime, re-measured"): after 15 steps the stage-2
loss still moved 15-37 % over the last quarter of the steps; at 30 it moves <= 6 %, the
selected shots agree across seeds as well as with 40-100 steps (Jaccard 1.00 on
sample.mp4, 0.86 on the transnetv2 clip) and seed-to-seed Spearman is the best measured
(0.91 / 0.78, long preset). 40-100 steps or lr 3e-4/1e-3 cosine did not do better. A
stage-2 step costs ~0.18 s for a 10-min video (n = 1200) on 2 quiet cores in float32,
0.125 s with the bf16 convolution and the fused Adam kernel (less with the bf16 trunk)."""
BF16_MIN_SAMPLES = 400
"""Videos with at least this many samples (200 s at 2/s) train the scorer's trunk (the
convolution and both hidden layers) in bfloat16 on CPUs with native bf16 instructions
(precision "auto"). Measured against float32 training with the same seed
(docs/training.md, "bfloat16 trunk"): on every clip of >= 400 samples Spearman >= 0.9996
and the same selected shots for 3 of 3 seeds, training 1.3-1.7x faster; below that
training is quick anyway and the shortest clips sit nearer the bar (0.9995 on
sample.mp4; with the convolution-only bf16 a 23-sample clip picked another shot for one
seed in three), so short videos stay float32."""
WARM_STEPS2 = 10
"""Stage-2 steps when continuing from earlier weights (slider moves)."""

# --- the one-video regime ("video"; docs/training.md, "The one-video regime") ------------
VIDEO_INPUT_DIMS = 64
"""The scorer sees the video's features standardised and projected on their top 64
principal directions (deterministic, computed once per video): the conditioning that lets
the loss, not the random start, set the ranking, and a 20x smaller convolution."""
VIDEO_STEPS2 = 30
"""Stage-2 steps of each member in the one-video regime."""
VIDEO_LR = 4e-3 / VIDEO_STEPS2
"""Adam learning rate of the one-video regime: lr x steps kept at 4e-3, the movement that
was measured to set the ranking without pinning scores (docs/training.md): at 3e-4 and
1e-3 with 40 steps the scores of the real clips went to 0 or 1 (up to 60 % of them) and
the seeds chose other summaries; at 1e-4 x 40 none is pinned."""
VIDEO_SD_WEIGHT = 0.0
"""Weight of L_SD in the one-video regime (losses.balanced_terms). 0: L_SD pushes every
score away from the mean, so it amplifies whatever ranking there is, the random start's
too; with it the seeds disagreed (sample.mp4, 3 members: Spearman 0.77 at weight 0.1,
0.97 at 0). The balanced terms need no help against equal scores: they reward scores
that concentrate on their signal (docs/training.md)."""
VIDEO_REP_POINTS = 300
"""L_REP transports at most this many samples per step in the one-video regime (every
k-th, from a rotating offset: losses.REP_MAX_POINTS): three members make three times the
Sinkhorn work, and REP was most of a step's time (a slider move on a 10-min video, 3
members: 7.0 s with 600 points, 4.75 s with 300; docs/training.md)."""
VIDEO_MEMBERS = 4
"""Networks trained per video (seeds seed*4 .. seed*4+3), scores averaged: what one random
start adds, the others average out. Four of 30 steps cost what three of 40 did (120 steps)
and made the summary the same for every seed: frame Jaccard 1.00 over seeds 0-4 on four
clips, against 0.83-0.92 with three of 40 (docs/training.md, seed agreement)."""


@dataclass(frozen=True)
class TrainSettings:
    """Loss weights and optimisation settings; names follow eq. (10) of the paper.

    alpha weights L_PTRIM, beta weights L_PCTRIM, gamma weights L_REP (L_SD has weight 1);
    nu weights the std terms of L_PRE (eq. 3). Frozen: derive variants with ``replace``.
    """

    alpha: float = 1.0
    beta: float = 0.0
    gamma: float = 5.0
    nu: float = 0.005
    stage1: bool = True
    steps1: int = DEFAULT_STEPS1
    steps2: int = DEFAULT_STEPS2
    lr: float = DEFAULT_LR
    weight_decay: float = 1e-5
    seed: int = 0
    mask_min: float = 0.15
    mask_max: float = 0.5
    schedule: str = "constant"  # "constant" | "cosine": lr decays to lr/10 over each stage
    precision: str = (
        "auto"  # convolution arithmetic: "auto" | "fp32" | "bf16" (see train_precision)
    )
    regime: str = "paper"  # "paper": eq. (10) as printed; "video": the one-video regime of the presets (_train_video)

    def __post_init__(self) -> None:
        if not (0.0 <= self.mask_min <= self.mask_max < 1.0):
            raise ValueError(
                f"need 0 <= mask_min <= mask_max < 1, got {self.mask_min}, {self.mask_max}"
            )
        if self.steps1 < 0 or self.steps2 < 0:
            raise ValueError("steps1 and steps2 must be >= 0")
        if self.lr <= 0:
            raise ValueError("lr must be positive")
        if self.precision not in ("auto", "fp32", "bf16"):
            raise ValueError(f"precision must be 'auto', 'fp32' or 'bf16', got {self.precision!r}")
        if self.regime not in ("video", "paper"):
            raise ValueError(f"regime must be 'video' or 'paper', got {self.regime!r}")
        if self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine', got {self.schedule!r}")
        for name in ("alpha", "beta", "gamma", "nu"):
            v = getattr(self, name)
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{name} must be finite and >= 0, got {v}")

    def replace(self, **changes) -> TrainSettings:
        return replace(self, **changes)


def _one_video(w: Weights) -> TrainSettings:
    """A preset of the app: its weights (core.settings) in the one-video regime."""
    return TrainSettings(
        alpha=w.alpha,
        beta=w.beta,
        gamma=w.gamma,
        nu=w.nu,
        stage1=w.stage1,
        lr=VIDEO_LR,
        steps2=VIDEO_STEPS2,
        regime="video",
    )


PRESETS: dict[str, TrainSettings] = {k: _one_video(w) for k, w in PRESET_WEIGHTS.items()}
"""The app's presets (core.settings.PRESET_WEIGHTS); "auto" is a placeholder for "long":
resolve it with settings_for(name, duration)."""

PAPER_PRESETS: dict[str, TrainSettings] = {
    k: TrainSettings(
        alpha=w.alpha, beta=w.beta, gamma=w.gamma, nu=w.nu, stage1=w.stage1, regime="paper"
    )
    for k, w in PAPER_WEIGHTS.items()
}
"""Research mode (trim-train): the paper's settings and eq. (10) as printed."""


def settings_for(name: str, duration: Optional[float] = None) -> TrainSettings:
    """The preset ``name``; "auto" resolves by ``duration`` (seconds)."""
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    if name == "auto":
        name = preset_for_duration(duration if duration is not None else float("nan"))
    return PRESETS[name]


def train_precision(settings: TrainSettings, n: int, device) -> str:
    """ "bf16" or "fp32" for the scorer's trunk when training ``n`` samples on ``device``.

    bf16 only on the CPU, and only where the CPU has native bf16 instructions (emulated
    bf16 is slower than float32); "auto" also needs n >= BF16_MIN_SAMPLES.
    """
    from .device import cpu_has_native_bf16

    if torch.device(device).type != "cpu" or settings.precision == "fp32":
        return "fp32"
    if settings.precision == "auto" and n < BF16_MIN_SAMPLES:
        return "fp32"
    return "bf16" if cpu_has_native_bf16() else "fp32"


def warm_start_settings(settings: TrainSettings) -> TrainSettings:
    """Settings for continuing from earlier weights after a slider move.

    Stage 1 does not depend on alpha/beta/gamma, so it is skipped; stage 2 starts close to
    the answer and needs fewer steps.
    """
    return replace(settings, stage1=False, steps2=min(settings.steps2, WARM_STEPS2))


@dataclass
class TrainResult:
    """Scores of the trained network on the unmasked features, its weights and losses.

    ``history`` maps a loss name to one value per step: stage 1 "pre", "corr", "sd1",
    "sd2"; stage 2 "unsup", "sd" and the terms with non-zero weight ("ptrim", "pctrim",
    "rep"). ``stage1_state`` holds the weights after stage 1 (None without stage 1): a
    slider move can rerun stage 2 from them and get exactly the cold-start answer.
    """

    scores: np.ndarray
    state_dict: dict
    history: dict = field(default_factory=dict)
    stage1_state: Optional[dict] = None


# --- helpers -----------------------------------------------------------------------


def _cpu_state(model: torch.nn.Module) -> dict:
    return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}


def _as_features(values) -> np.ndarray:
    X = np.asarray(values, dtype=np.float32)
    if X.ndim != 2 or X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"expected (n>=1, D) features, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError("features contain NaN or inf")
    return np.ascontiguousarray(X)


@contextlib.contextmanager
def _deterministic(seed: int, device: torch.device):
    """Seed torch for the model's initialisation without touching the caller's RNG.

    CPU kernels used here are deterministic for a fixed thread count; on CUDA cuDNN is
    asked for deterministic kernels for the duration (restored afterwards).
    """
    old = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        if device.type == "cuda":
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
        try:
            yield
        finally:
            torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = old


def random_mask(
    n: int, generator: torch.Generator, mask_min: float = 0.15, mask_max: float = 0.5
) -> torch.Tensor:
    """Boolean (n,) mask with round(m n) True entries, m ~ U[mask_min, mask_max].

    The count is kept inside [ceil(mask_min n), floor(mask_max n)] when that range is not
    empty, so even short videos respect the paper's 15-50 %.
    """
    m = mask_min + (mask_max - mask_min) * float(torch.rand((), generator=generator))
    k = int(round(m * n))
    lo, hi = math.ceil(mask_min * n - 1e-9), math.floor(mask_max * n + 1e-9)
    if lo <= hi:
        k = min(max(k, lo), hi)
    idx = torch.randperm(n, generator=generator)[:k]
    mask = torch.zeros(n, dtype=torch.bool)
    mask[idx] = True
    return mask


def masked_views(
    X: torch.Tensor, generator: torch.Generator, mask_min: float, mask_max: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Two views of X with independent random rows zeroed: (views (2, N, D), masks (2, N))."""
    n = X.shape[0]
    masks = torch.stack([random_mask(n, generator, mask_min, mask_max) for _ in range(2)])
    keep = (~masks).to(device=X.device, dtype=X.dtype).unsqueeze(-1)
    return X.unsqueeze(0) * keep, masks


def _adam(model: torch.nn.Module, settings: TrainSettings) -> Adam:
    """Adam over the model's parameters (our own: see :mod:`.adam` for why)."""
    return Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)


def _set_lr(opt: Adam, settings: TrainSettings, step: int, steps: int) -> None:
    """Cosine decay from lr to lr/10 over a stage (no-op for the constant schedule)."""
    if settings.schedule != "cosine" or steps <= 1:
        return
    frac = 0.1 + 0.9 * 0.5 * (1.0 + math.cos(math.pi * step / (steps - 1)))
    for group in opt.param_groups:
        group["lr"] = settings.lr * frac


class _Reporter:
    """Throttles progress reports that carry the current scores."""

    def __init__(self, progress: Optional[ProgressFn], stage: str, total: int) -> None:
        self.progress, self.stage, self.total = progress, stage, total
        self.last = -math.inf

    def due(self) -> bool:
        return self.progress is not None and time.monotonic() - self.last >= REPORT_INTERVAL_S

    def send(self, done: int, scores: Optional[np.ndarray]) -> None:
        if self.progress is None:
            return
        self.last = time.monotonic()
        report(self.progress, self.stage, done, self.total, payload=scores)


def _scores(model: TrimScorer, X: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        return model(X).detach().to("cpu", torch.float32).numpy().copy()


def _descend(
    opt: Adam, terms: dict, loss: str, settings: TrainSettings, step: int, steps: int, pending: dict
) -> None:
    """One optimizer step on ``terms[loss]``; every term's value (a tensor on the
    training device) goes into ``pending`` (see :func:`_record`)."""
    opt.zero_grad(set_to_none=True)
    terms[loss].backward()
    _set_lr(opt, settings, step, steps)
    opt.step()
    for k, v in terms.items():
        pending.setdefault(k, []).append(v.detach())


def _record(pending: dict, history: dict) -> None:
    """Move a stage's loss values into ``history`` as floats, in one copy.

    Why not ``float()`` every step: on a GPU each one waits until the device has run
    everything queued, so the CPU could not queue the next step's kernels meanwhile;
    one copy per stage keeps the values and lets the steps run back to back.
    """
    if not pending:
        return
    values = (
        torch.stack([torch.stack(v).reshape(len(v)).to(torch.float64) for v in pending.values()])
        .to("cpu")
        .tolist()
    )
    for k, row in zip(pending, values):
        history.setdefault(k, []).extend(row)


def _run_stage1(model, X, settings, generator, steps, history, progress, cancel) -> None:
    opt = _adam(model, settings)
    rep = _Reporter(progress, "stage1", steps)
    rep.send(0, None)
    pending: dict = {}
    for step in range(steps):
        check(cancel)
        views, _ = masked_views(X, generator, settings.mask_min, settings.mask_max)
        p = model(views)
        _descend(opt, pre_terms(p[0], p[1], settings.nu), "pre", settings, step, steps, pending)
        if step + 1 == steps:
            _record(pending, history)
            rep.send(steps, _scores(model, X))
        elif rep.due():
            rep.send(step + 1, _scores(model, X))


def _stage2_terms(p, targets, settings: TrainSettings, step: int) -> dict:
    """Eq. (10) as printed ("paper") or with terms of equal size ("video", losses.balanced_terms)."""
    if settings.regime == "paper":
        return unsup_terms(p, targets, settings.alpha, settings.beta, settings.gamma, step)
    return balanced_terms(
        p, targets, settings.alpha, settings.beta, settings.gamma, VIDEO_SD_WEIGHT, step
    )


def _run_stage2(
    model,
    targets,
    settings,
    steps,
    history,
    progress,
    cancel,
    X=None,
    rep: Optional[_Reporter] = None,
    shown=None,
) -> None:
    """Stage 2 on ``X`` (the model's input; default targets.X). ``rep``/``shown`` let an
    ensemble report one progress bar and the running mean of its members' scores."""
    X = targets.X if X is None else X
    opt = _adam(model, settings)
    rep = rep or _Reporter(progress, "stage2", steps)
    shown = shown or (lambda step, scores: (step, scores))
    rep.send(*shown(0, None))
    pending: dict = {}
    for step in range(steps):
        check(cancel)
        p = model(X)
        if rep.due() and step > 0:
            rep.send(*shown(step, p.detach().cpu().numpy().astype(np.float32)))
        _descend(
            opt, _stage2_terms(p, targets, settings, step), "unsup", settings, step, steps, pending
        )
    _record(pending, history)
    rep.send(*shown(steps, _scores(model, X)))


def _digest(X: np.ndarray) -> str:
    """A short hash of the features' bytes (the memo's key)."""
    return hashlib.blake2b(X.data.cast("B"), digest_size=16).hexdigest()


class _Stage1Memo:
    """The last video's stage-1 weights and stage-2 targets, for slider moves.

    Stage 1 and the targets depend only on the features and on (nu, steps1, lr,
    weight_decay, seed, masks), not on the slider weights alpha/beta/gamma. Reusing them
    gives exactly the cold-start answer (stage 2 has no randomness) while a slider move
    pays only for stage 2. One entry (the video on screen): ~16 MB of weights plus the
    targets.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.key = None
        self.state: Optional[dict] = None
        self.history: dict = {}
        self.targets = None

    @staticmethod
    def make_key(X: np.ndarray, settings: TrainSettings, dev: torch.device, init_state) -> tuple:
        digest = _digest(X)
        init = None
        if init_state is not None:  # rare (research fine-tuning): key on the weights too
            h = hashlib.blake2b(digest_size=16)
            for k in sorted(init_state):
                h.update(init_state[k].detach().cpu().numpy().tobytes())
            init = h.hexdigest()
        return (
            X.shape,
            digest,
            str(dev),
            init,
            settings.stage1,
            settings.steps1,
            settings.nu,
            settings.lr,
            settings.weight_decay,
            settings.seed,
            settings.mask_min,
            settings.mask_max,
            train_precision(settings, X.shape[0], dev),
        )

    @staticmethod
    def video_key(X: np.ndarray, dev: torch.device) -> tuple:
        """Key of the one-video regime's inputs and targets: they depend on X alone."""
        return ("video", X.shape, _digest(X), str(dev), VIDEO_INPUT_DIMS)

    def get(self, key):
        with self.lock:
            if key == self.key:
                return self.state, {k: list(v) for k, v in self.history.items()}, self.targets
        return None

    def put(self, key, state, history, targets) -> None:
        with self.lock:
            self.key, self.state, self.targets = key, state, targets
            self.history = {k: list(v) for k, v in history.items()}


_MEMO = _Stage1Memo()


def clear_stage1_memo() -> None:
    """Forget the remembered stage-1 weights (frees ~16 MB plus the targets)."""
    _MEMO.put(None, None, {}, None)


def model_inputs(values: np.ndarray, dims: int = VIDEO_INPUT_DIMS) -> np.ndarray:
    """(n, <= dims) float32: the features standardised per dimension and projected on their
    top principal directions, scaled to unit variance; signs fixed, so it is deterministic.

    The losses still read the raw features (entropies, Wasserstein); only the network's
    input changes. Eigen-decomposition of the smaller Gram matrix (n x n or D x D).
    """
    X = np.asarray(values, dtype=np.float64)
    Z = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-6)
    n, d = Z.shape
    k = max(1, min(dims, n, d))
    if n <= d:
        w, U = np.linalg.eigh(Z @ Z.T)
        P = U[:, ::-1][:, :k] * np.sqrt(np.clip(w[::-1][:k], 0.0, None))
    else:
        w, V = np.linalg.eigh(Z.T @ Z)
        P = Z @ V[:, ::-1][:, :k]
    flip = np.sign(P[np.argmax(np.abs(P), axis=0), np.arange(k)])
    P = P * np.where(flip == 0, 1.0, flip)
    sd = P.std()
    return (P / sd if sd > 0 else P).astype(np.float32)


def _zero_readout(model: TrimScorer) -> None:
    """Last layer at 0: every score starts at 0.5, so the first steps follow the losses'
    gradient instead of amplifying a random initial ranking (L_SD has no gradient at 0)."""
    with torch.no_grad():
        model.fc3.weight.zero_()
        model.fc3.bias.zero_()


def _train_video(
    X_np: np.ndarray,
    settings: TrainSettings,
    dev: torch.device,
    progress: Optional[ProgressFn],
    cancel: Optional[CancelToken],
    memo: Optional[_Stage1Memo],
) -> TrainResult:
    """The one-video regime: VIDEO_MEMBERS networks on model_inputs(), balanced terms,
    zero readout; scores averaged. Progress: one "stage2" bar over all members, the payload
    the running mean of the members' scores (so the curve the user sees only settles)."""
    key = memo.video_key(X_np, dev) if memo is not None else None
    hit = memo.get(key) if memo is not None and key is not None else None
    if hit is not None:
        Xin, targets = hit[2]
    else:
        Xin = torch.from_numpy(model_inputs(X_np)).to(dev)
        targets = VideoTargets.build(
            torch.from_numpy(X_np), device=dev, max_points=VIDEO_REP_POINTS
        )
        if memo is not None and key is not None:
            memo.put(key, None, {}, (Xin, targets))
    members, steps = VIDEO_MEMBERS, settings.steps2
    with _cpu_threads(dev):
        return _train_members(
            Xin,
            targets,
            settings,
            dev,
            progress,
            cancel,
            members,
            steps,
            train_precision(settings, X_np.shape[0], dev) == "bf16",
        )


@contextlib.contextmanager
def _cpu_threads(dev: torch.device):
    """On the CPU, train with the cores other processes leave free (cpus.training_threads)."""
    if dev.type != "cpu":
        yield
        return
    from .cpus import training_threads
    from .device import torch_threads

    with torch_threads(min(torch.get_num_threads(), training_threads())):
        yield


def _train_members(
    Xin,
    targets,
    settings: TrainSettings,
    dev,
    progress,
    cancel,
    members: int,
    steps: int,
    bf16: bool,
) -> TrainResult:
    """Train ``members`` networks one after another; their mean is the scores."""
    rep = _Reporter(progress, "stage2", members * steps)
    done: list[np.ndarray] = []
    history: dict[str, list[float]] = {}
    state: Optional[dict] = None

    def shown(j: int):
        def at(step: int, scores: Optional[np.ndarray]):
            mean = None if scores is None else (sum(done) + scores) / (len(done) + 1)
            return j * steps + step, None if mean is None else mean.astype(np.float32)

        return at

    for j in range(members):
        seed = settings.seed * members + j
        with _deterministic(seed, dev):
            model = TrimScorer(Xin.shape[1], bf16=bf16).to(dev).train()
            if settings.stage1 and settings.steps1 > 0:
                gen = torch.Generator(device="cpu").manual_seed(seed)
                _run_stage1(model, Xin, settings, gen, settings.steps1, history, progress, cancel)
            _zero_readout(model)
            _run_stage2(
                model,
                targets,
                settings,
                steps,
                history,
                progress,
                cancel,
                X=Xin,
                rep=rep,
                shown=shown(j),
            )
            done.append(_scores(model, Xin))
            state = state or _cpu_state(model)
    if state is None:
        raise ValueError("members must be at least 1")
    scores = (sum(done[1:], done[0]) / len(done)).astype(np.float32)
    return TrainResult(scores=scores, state_dict=state, history=history)


# --- public API --------------------------------------------------------------------


def train_on_video(
    values,
    settings: TrainSettings,
    device="cpu",
    init_state: Optional[dict] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    *,
    reuse_stage1: bool = False,
    memo: Optional[_Stage1Memo] = None,
) -> TrainResult:
    """Train a fresh (or warm-started) TrimScorer on one video and score it.

    ``settings.regime == "video"`` (the app's and the CLI's, without ``init_state``):
    :func:`_train_video`. Otherwise eq. (10) as printed on the raw features, as below.
    ``memo`` keeps the last video's stage 1 / inputs and targets (default: the
    process-wide one; a Session has its own).

    Stage 1 (if ``settings.stage1`` and steps1 > 0): two masked views per step, L_PRE.
    Stage 2: L_UNSUP on the unmasked features, starting from stage 1's weights, with a
    fresh Adam state. ``init_state`` replaces the random initialisation (slider moves:
    continue from the previous weights; see :func:`warm_start_settings`).
    Deterministic on CPU for a given seed: the model is initialised under
    ``torch.manual_seed(seed)`` (in a forked RNG, the caller's RNG is untouched) and masks
    come from a local ``torch.Generator`` seeded with ``seed``.

    ``reuse_stage1=True`` (the app's slider moves): when the same features were trained
    with the same stage-1 settings before (the last video only), stage 1 and the
    targets are taken from then instead of recomputed; the result is identical to a
    cold run and the stage-1 curve is reported at once. ``memo`` is where that last
    video is kept: the process-wide one by default (the CLI), a Session's own in the app.
    """
    memo = _MEMO if memo is None else memo
    X_np = _as_features(values)
    dev = torch.device(device)
    if settings.regime == "video" and init_state is None:
        return _train_video(X_np, settings, dev, progress, cancel, memo if reuse_stage1 else None)
    history: dict[str, list[float]] = {}
    key = _Stage1Memo.make_key(X_np, settings, dev, init_state) if reuse_stage1 else None
    hit = memo.get(key) if key is not None else None
    with _deterministic(settings.seed, dev):
        model = TrimScorer(
            X_np.shape[1], bf16=train_precision(settings, X_np.shape[0], dev) == "bf16"
        )
        if init_state is not None:
            model.load_state_dict(init_state)
        X = torch.from_numpy(X_np).to(dev)
        gen = torch.Generator(device="cpu").manual_seed(settings.seed)
        stage1_state = None
        targets = None
        if hit is not None:
            stage1_state, history, targets = hit
            if stage1_state is not None:
                model.load_state_dict(stage1_state)
                model.to(dev).train()
                if progress is not None:
                    report(
                        progress,
                        "stage1",
                        settings.steps1,
                        settings.steps1,
                        payload=_scores(model, X),
                    )
        elif settings.stage1 and settings.steps1 > 0:
            model.to(dev).train()
            _run_stage1(model, X, settings, gen, settings.steps1, history, progress, cancel)
            stage1_state = _cpu_state(model)
        model.to(dev).train()
        if targets is None:
            targets = VideoTargets.build(X, device=dev)
        if key is not None and hit is None:
            memo.put(key, stage1_state, history, targets)
        _run_stage2(model, targets, settings, settings.steps2, history, progress, cancel)
        scores = _scores(model, X)
    return TrainResult(
        scores=scores, state_dict=_cpu_state(model), history=history, stage1_state=stage1_state
    )


def train_on_collection(
    list_of_values: Sequence,
    settings: TrainSettings,
    epochs1: int,
    epochs2: int,
    device="cpu",
    init_state: Optional[dict] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    history: Optional[dict] = None,
) -> dict:
    """Train one TrimScorer on many videos, one video per step (the paper's regime).

    Each epoch is one pass over the videos in a seeded random order; stage 1 runs
    ``epochs1`` epochs of L_PRE (skipped if ``settings.stage1`` is False), stage 2
    ``epochs2`` epochs of L_UNSUP. ``settings.steps1/steps2`` are ignored here. Returns the
    CPU state dict; per-step losses go into ``history`` if a dict is passed.
    """
    feats = [_as_features(v) for v in list_of_values]
    if not feats:
        raise ValueError("need at least one video")
    dims = {f.shape[1] for f in feats}
    if len(dims) != 1:
        raise ValueError(f"all videos need the same feature dimension, got {sorted(dims)}")
    dev = torch.device(device)
    hist = history if history is not None else {}
    nv = len(feats)
    with _deterministic(settings.seed, dev):
        model = TrimScorer(dims.pop())
        if init_state is not None:
            model.load_state_dict(init_state)
        model.to(dev).train()
        gen = torch.Generator(device="cpu").manual_seed(settings.seed)
        Xs = [torch.from_numpy(f).to(dev) for f in feats]
        if settings.stage1 and epochs1 > 0:
            opt = _adam(model, settings)
            total = epochs1 * nv
            for ep in range(epochs1):
                for j, i in enumerate(torch.randperm(nv, generator=gen).tolist()):
                    check(cancel)
                    views, _ = masked_views(Xs[i], gen, settings.mask_min, settings.mask_max)
                    p = model(views)
                    terms = pre_terms(p[0], p[1], settings.nu)
                    opt.zero_grad(set_to_none=True)
                    terms["pre"].backward()
                    opt.step()
                    for k, v in terms.items():
                        hist.setdefault(k, []).append(float(v.detach()))
                    report(progress, "stage1", ep * nv + j + 1, total)
        if epochs2 > 0:
            targets = [VideoTargets.build(X, device=dev) for X in Xs]
            opt = _adam(model, settings)
            total = epochs2 * nv
            for ep in range(epochs2):
                for j, i in enumerate(torch.randperm(nv, generator=gen).tolist()):
                    check(cancel)
                    p = model(targets[i].X)
                    terms = unsup_terms(
                        p, targets[i], settings.alpha, settings.beta, settings.gamma, ep
                    )  # REP thinning offset rotates per epoch
                    opt.zero_grad(set_to_none=True)
                    terms["unsup"].backward()
                    opt.step()
                    for k, v in terms.items():
                        hist.setdefault(k, []).append(float(v.detach()))
                    report(progress, "stage2", ep * nv + j + 1, total)
    return _cpu_state(model)


def score_with_model(values, state_dict: dict, device="cpu") -> np.ndarray:
    """Scores (n,) float32 of a trained TrimScorer on one video's features."""
    X_np = _as_features(values)
    in_dim = int(state_dict["conv.weight"].shape[1])
    if X_np.shape[1] != in_dim:
        raise ValueError(f"model expects {in_dim}-d features, got {X_np.shape[1]}-d")
    dev = torch.device(device)
    model = TrimScorer(in_dim)
    model.load_state_dict(state_dict)
    model.to(dev).eval()
    return _scores(model, torch.from_numpy(X_np).to(dev))
