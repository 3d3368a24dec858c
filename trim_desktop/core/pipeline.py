"""The one entry point for the CLI and the GUI: video in, Summary out.

``summarize()`` runs every stage: probe -> features (cached) -> stage 1 / stage 2 training
-> KTS shots -> selection (the app's, or the field's knapsack). ``rescore()`` reruns only training and selection from
features already in memory: the GUI calls it when the user moves a slider.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import numpy as np

from .progress import CancelToken, ProgressFn, check, report
from .settings import BUDGET_DEFAULT

if TYPE_CHECKING:  # types only: importing them here would load the decoders at startup
    from .decode import VideoInfo
    from .feature_set import Features
    from .select import Summary
    from .train import TrainSettings


@dataclass
class SummarizeSettings:
    """Everything that changes a summary. Defaults are what the app and CLI use."""

    backbone: str = "auto"  # "auto" | "resnet50" | "efficientnet-lite0"
    weights_path: Optional[str] = None  # a local backbone weights file (resnet50)
    preprocess: str = "crop"  # "crop" (resize 256, crop 224: the paper's best) | "resize"
    rate: float = 2.0  # samples per second of presentation time
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:N"
    engine: str = "auto"  # backbone runtime: "auto" (ONNX Runtime on the CPU when installed) | "torch" | "onnx"
    preset: str = "auto"  # a key of settings.PRESET_WEIGHTS
    alpha: Optional[float] = None  # weight of L_PTRIM  (None: take the preset's)
    beta: Optional[float] = None  # weight of L_PCTRIM (None: take the preset's)
    gamma: Optional[float] = None  # weight of L_REP    (None: take the preset's)
    nu: Optional[float] = None  # stage-1 weight of the std terms (None: preset's)
    stage1: Optional[bool] = None  # run stage 1 pre-training (None: preset's)
    seed: int = 0
    budget: float = BUDGET_DEFAULT  # fraction of the duration kept
    length_seconds: Optional[float] = None  # summary length in seconds (overrides budget)
    selection: str = "app"  # "app" (follows the scores, each thing once, no junk) | "paper" (the field's knapsack)
    max_ncp: Optional[int] = None  # cap on KTS change points (None: kts default)
    use_cache: bool = True
    model_path: Optional[str] = None  # a trained model file (research mode)
    model_mode: str = "finetune"  # with model_path: "as-is" (instant) | "finetune"
    steps1: Optional[int] = None  # stage-1 steps (None: the preset's; tests use few)
    steps2: Optional[int] = None  # stage-2 steps (None: the preset's)
    train_precision: str = (
        "auto"  # scorer convolution: "auto" | "fp32" | "bf16" (train.train_precision)
    )

    def replace(self, **changes) -> SummarizeSettings:
        return dataclasses.replace(self, **changes)


def train_settings_for(settings: SummarizeSettings, duration: float) -> TrainSettings:
    """The TrainSettings a run uses: the preset (Auto picks by duration) plus overrides."""
    from . import train

    name = settings.preset
    if name == "auto":
        name = train.preset_for_duration(duration)
    base = train.PRESETS[name]
    overrides = {
        k: getattr(settings, k)
        for k in ("alpha", "beta", "gamma", "nu", "stage1", "steps1", "steps2")
        if getattr(settings, k, None) is not None
    }
    return dataclasses.replace(
        base, seed=settings.seed, precision=settings.train_precision, **overrides
    )


CPU_BATCH = 8
"""Frames per backbone batch on the CPU: bounds how long Cancel waits (one batch)."""


@dataclass
class Result:
    """What a run produced; the GUI keeps it to rescore and export."""

    features: Features  # carries .info: VideoInfo
    scores: np.ndarray  # per-sample importance, float32 (n,)
    shots: np.ndarray  # (n_shots, 2) inclusive sample ranges
    summary: Summary
    device: str  # label of the device training ran on
    train_state: Optional[dict] = None
    messages: list = field(default_factory=list)  # notes for the user (fallbacks, backbone choice)

    @property
    def info(self) -> VideoInfo:
        return self.features.info


def extract(
    path: str | Path,
    settings: SummarizeSettings,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    messages: Optional[list] = None,
) -> Features:
    """Features for ``path`` (from the cache when possible)."""
    from .cache import FeatureCache
    from .device import choose_device
    from .features import extract_features

    cache = FeatureCache() if settings.use_cache else None
    # On the CPU a batch of 32 takes 1.5 s (2-core machine): Cancel must answer within 1 s,
    # and 8 is no slower per image there (measured 0.94 s vs 1.6 s per 32 images).
    batch = CPU_BATCH if choose_device(settings.device).type == "cpu" else 32
    features = extract_features(
        path,
        backbone=settings.backbone,
        preprocess=settings.preprocess,
        rate=settings.rate,
        device=settings.device,
        batch_size=batch,
        weights_path=settings.weights_path,
        cache=cache,
        progress=progress,
        cancel=cancel,
        messages=messages,
        engine=settings.engine,
    )
    if (
        cache is not None
        and messages is not None
        and not features.from_cache
        and cache.last_problem.startswith("damaged cache entry")
    ):
        messages.append(
            "The feature cache entry for this video was damaged; the features were computed again."
        )
    return features


def shots_for(
    features: Features, settings: SummarizeSettings, progress=None, cancel=None
) -> np.ndarray:
    """KTS shot boundaries; they depend only on the features, so the GUI computes them once."""
    from .kts import kts_shots

    report(progress, "kts", 0, 1)
    shots = kts_shots(
        features.values,
        max_ncp=settings.max_ncp,
        rate=features.rate,
        progress=progress,
        cancel=cancel,
    )
    report(progress, "kts", 1, 1)
    return shots


def score(
    features: Features,
    settings: SummarizeSettings,
    init_state: Optional[dict] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    messages: Optional[list] = None,
    memo=None,
) -> tuple[np.ndarray, Optional[dict], str]:
    """Per-sample scores: train on the video itself (or apply a trained model as it is).

    ``memo``: where stage 1 of the last video is kept for slider moves (a Session's own;
    None: the process-wide one, see train.train_on_video).
    """
    from .device import choose_device, device_label, run_with_cpu_fallback
    from .train import train_on_video

    messages = messages if messages is not None else []
    device = choose_device(settings.device)
    if settings.model_path:
        from .modelfile import load_model  # a model trained on a collection (trim-train)

        model = load_model(
            settings.model_path,
            expect_dim=features.values.shape[1],
            expect_backbone=features.backbone,
        )
        if settings.model_mode == "as-is":
            from .train import score_with_model

            scores = run_with_cpu_fallback(
                lambda dev: score_with_model(features.values, model.state_dict, dev),
                device,
                on_fallback=messages.append,
            )
            return scores, model.state_dict, device_label(device)
        init_state = init_state or model.state_dict
    tsettings = train_settings_for(settings, features.info.duration)
    if init_state is not None:  # fine-tuning a collection model: the paper's regime, its input
        from .train import DEFAULT_LR, DEFAULT_STEPS2

        tsettings = tsettings.replace(
            regime="paper", lr=DEFAULT_LR, steps2=settings.steps2 or DEFAULT_STEPS2
        )
    used = {"device": device}

    def run(dev):
        used["device"] = dev
        return train_on_video(
            features.values,
            tsettings,
            device=dev,
            init_state=init_state,
            progress=progress,
            cancel=cancel,
            reuse_stage1=True,
            memo=memo,
        )

    result = run_with_cpu_fallback(run, device, on_fallback=messages.append)
    return result.scores, result.state_dict, device_label(used["device"])


def select(
    features: Features,
    scores: np.ndarray,
    shots: np.ndarray,
    budget: float,
    messages: Optional[list] = None,
    selection: str = "app",
    length_seconds: Optional[float] = None,
) -> Summary:
    """The summary at ``budget`` of the duration (or ``length_seconds``).

    ``selection`` "app": pieces by score and coverage, repeats and junk last
    (:func:`select.app_summary`); "paper": the field's knapsack over KTS shots
    (:func:`select.build_summary`). A video so short that not even its shortest piece
    fits in the budget (one frame, one second, a clip shorter than one shot) still gets
    a summary: its best-scoring piece, with a note in ``messages`` saying why the
    summary is over budget.
    """
    from .select import SELECTIONS, app_summary, build_summary

    if selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, not {selection!r}")
    info = features.info
    if length_seconds is not None and info.duration > 0:
        budget = min(1.0, max(0.0, float(length_seconds)) / info.duration)
    if selection == "paper":
        summary = build_summary(
            features.frame_indices,
            features.timestamps,
            scores,
            shots,
            n_frames=info.n_frames,
            duration=info.duration,
            budget=budget,
            fps=info.fps,
        )
    else:
        summary = app_summary(
            features.frame_indices,
            features.timestamps,
            scores,
            shots,
            n_frames=info.n_frames,
            duration=info.duration,
            budget=budget,
            fps=info.fps,
            values=features.values,
            picture=getattr(features, "quality", None),
        )
    if summary.segments and not summary.selected:
        best = max(summary.segments, key=lambda s: (s.score, -s.index))
        best.selected = True
        best.reason = "kept: the best piece (the budget is shorter than any piece)"
        note = (
            f"The video is too short for a {budget:.0%} summary "
            f"({summary.budget_seconds:.2f} s is less than any shot); "
            + (
                "the summary is the whole video."
                if len(summary.segments) == 1
                else f"kept its best shot ({best.duration:.2f} s) instead."
            )
        )
        if messages is not None:
            messages.append(note)
    return summary


def summarize(
    path: str | Path,
    settings: Optional[SummarizeSettings] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
) -> Result:
    """Run the whole pipeline on one video."""
    settings = settings or SummarizeSettings()
    messages: list = []
    features = extract(path, settings, progress, cancel, messages)
    check(cancel)
    return rescore(features, settings, progress=progress, cancel=cancel, messages=messages)


def rescore(
    features: Features,
    settings: SummarizeSettings,
    shots: Optional[np.ndarray] = None,
    init_state: Optional[dict] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    messages: Optional[list] = None,
    memo=None,
) -> Result:
    """Train + select from features already extracted (slider changes, presets, budget)."""
    messages = messages if messages is not None else []
    scores, state, device = score(
        features, settings, init_state, progress, cancel, messages, memo=memo
    )
    check(cancel)
    if shots is None:
        shots = shots_for(features, settings, progress, cancel)
    check(cancel)
    report(progress, "select", 0, 1)
    summary = select(
        features,
        scores,
        shots,
        settings.budget,
        messages,
        selection=settings.selection,
        length_seconds=settings.length_seconds,
    )
    report(progress, "select", 1, 1)
    return Result(
        features=features,
        scores=scores,
        shots=shots,
        summary=summary,
        device=device,
        train_state=state,
        messages=messages,
    )


def export(
    path: str | Path,
    result_or_summary,
    out_path: str | Path,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    replace: bool = True,
    mode: str = "accurate",
    clips: bool = False,
) -> Path:
    """Write the summary video (selected segments, with sound); atomic. ``replace=False``:
    a file that appears at ``out_path`` meanwhile is kept and the export fails. ``mode``
    "accurate" (re-encoded, frame-exact) or "fast" (stream copy, cuts at keyframes);
    ``clips``: one file per piece in the folder ``out_path`` (core.video_out)."""
    from .video_out import export_video

    summary = getattr(result_or_summary, "summary", result_or_summary)
    export_video(
        path,
        summary.selected,
        out_path,
        mode=mode,
        clips=clips,
        progress=progress,
        cancel=cancel,
        replace=replace,
    )
    return Path(out_path)
