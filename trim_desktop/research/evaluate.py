"""The paper's benchmark protocol: runs x 5 folds, fixed epochs, one evaluation at the end.

For each run and fold a fresh model is trained on the fold's training videos only (stage 1
then stage 2, one video per step, the paper's lr 1e-5 and weight decay 1e-5), then the
test videos are scored once. No epoch is ever chosen by a test score. Per fold the metrics
are averaged over test videos; a run's figure is the mean over its folds; the table shows
mean +- std over runs beside the paper's Table 1 (tau, rho) and Table 3 (F1).
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from trim_desktop.core.progress import CancelToken, ProgressFn, check
from trim_desktop.research.h5data import DatasetError, VideoRecord
from trim_desktop.research.metrics import BUDGET, VideoScore, evaluate_video, mean_scores

PAPER = {
    "tvsum": {"tau": 0.181, "rho": 0.228, "f1": 59.61},
    "summe": {"tau": 0.127, "rho": 0.140, "f1": 43.67},
}
HUMAN = {"tvsum": {"tau": 0.177, "rho": 0.204}, "summe": {"tau": 0.212, "rho": 0.212}}
DATASET_PRESET = {"tvsum": "long", "summe": "short"}
"""The paper's per-dataset loss weights: TVSum PTRIM + REP, SumMe PTRIM + PCTRIM."""


@dataclass
class EvalConfig:
    """One benchmark experiment; defaults are the paper's (Sect. 4.1, 4.2)."""

    dataset: str
    runs: int = 10
    stage1: bool = True
    epochs1: int = 60
    epochs2: int = 90
    device: str = "cpu"
    seed: int = 0
    lr: float = 1e-5
    weight_decay: float = 1e-5
    budget: float = BUDGET
    preset: Optional[str] = None  # None: the dataset's preset (DATASET_PRESET)


@dataclass
class FoldResult:
    run: int
    fold: int
    videos: list[VideoScore]
    seconds: float

    @property
    def means(self) -> tuple[float, float, float]:
        return mean_scores(self.videos)


@dataclass
class EvalResult:
    config: EvalConfig
    folds: list[FoldResult] = field(default_factory=list)

    def run_means(self) -> np.ndarray:
        """(runs, 3) array of (tau, rho, f1): per run, the mean over its folds."""
        runs = sorted({f.run for f in self.folds})
        return np.array(
            [np.mean([f.means for f in self.folds if f.run == r], axis=0) for r in runs]
        )

    def summary(self) -> dict:
        m = self.run_means()
        return {
            name: (float(m[:, i].mean()), float(m[:, i].std()))
            for i, name in enumerate(("tau", "rho", "f1"))
        }

    def to_json(self) -> dict:
        return {
            "config": dataclasses.asdict(self.config),
            "summary": self.summary(),
            "folds": [
                {
                    "run": f.run,
                    "fold": f.fold,
                    "seconds": f.seconds,
                    "videos": [dataclasses.asdict(v) for v in f.videos],
                }
                for f in self.folds
            ],
        }


def train_settings(cfg: EvalConfig, run: int):
    """The dataset's preset with the paper's optimiser settings; one seed per run, shared by
    all folds of the run (stage 1 then starts every fold from the same initialisation)."""
    from trim_desktop.core.train import PRESETS

    base = PRESETS[cfg.preset or DATASET_PRESET[cfg.dataset]]
    return dataclasses.replace(
        base, lr=cfg.lr, weight_decay=cfg.weight_decay, stage1=cfg.stage1, seed=cfg.seed + run
    )


def check_records(records: dict[str, VideoRecord], dataset: str) -> None:
    """Fail before hours of training if a field the metrics need is missing."""
    for rec in records.values():
        if rec.user_summary is None:
            raise DatasetError(f"video {rec.key} has no user_summary; F1 cannot be computed")
        if dataset == "tvsum" and rec.user_scores is None:
            raise DatasetError(
                f"video {rec.key} has no annotator scores: TVSum tau/rho need them "
                "(pass --annotations ydata-anno.tsv)"
            )


def evaluate_collection(
    records: dict[str, VideoRecord],
    splits: list[dict],
    cfg: EvalConfig,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    log: Optional[Callable[[str], None]] = None,
) -> EvalResult:
    """Train and test every (run, fold); returns all per-video scores."""
    from trim_desktop.core.train import score_with_model, train_on_collection

    check_records(records, cfg.dataset)
    result = EvalResult(cfg)
    for run in range(cfg.runs):
        settings = train_settings(cfg, run)
        for k, split in enumerate(splits):
            check(cancel)
            t0 = time.monotonic()
            train = [records[key].features for key in split["train_keys"]]
            state = train_on_collection(
                train,
                settings,
                cfg.epochs1 if cfg.stage1 else 0,
                cfg.epochs2,
                device=cfg.device,
                progress=progress,
                cancel=cancel,
            )
            videos = []
            for key in split["test_keys"]:
                rec = records[key]
                scores = np.asarray(score_with_model(rec.features, state, cfg.device), np.float64)
                videos.append(evaluate_video(rec, scores, cfg.dataset, cfg.budget))
            fold = FoldResult(run, k, videos, time.monotonic() - t0)
            result.folds.append(fold)
            if log is not None:
                tau, rho, f1 = fold.means
                log(
                    f"run {run + 1}/{cfg.runs} fold {k + 1}/{len(splits)}: "
                    f"tau {tau:.3f} rho {rho:.3f} F1 {f1:.2f} ({fold.seconds:.0f} s)"
                )
    return result


def format_table(result: EvalResult) -> str:
    """Mean +- std over runs beside the paper's figures and the human agreement."""
    cfg = result.config
    s = result.summary()
    paper, human = PAPER[cfg.dataset], HUMAN[cfg.dataset]
    n_folds = len({f.fold for f in result.folds})
    mode = (
        f"two-stage (stage 1 {cfg.epochs1} + stage 2 {cfg.epochs2} epochs)"
        if cfg.stage1
        else f"stage 2 only ({cfg.epochs2} epochs)"
    )
    lines = [
        f"TRIM on {'TVSum' if cfg.dataset == 'tvsum' else 'SumMe'}: "
        f"{cfg.runs} run(s) x {n_folds} folds, {mode}, preset {cfg.preset or DATASET_PRESET[cfg.dataset]}, "
        f"lr {cfg.lr:g}, seed {cfg.seed}",
        f"{'metric':<12}{'this (mean ± std over runs)':>30}{'paper':>10}{'human':>10}",
    ]
    for name, label, fmt, hum in (
        ("tau", "Kendall tau", "{:.3f}", human["tau"]),
        ("rho", "Spearman rho", "{:.3f}", human["rho"]),
        ("f1", "F1 (%)", "{:.2f}", None),
    ):
        mean, std = s[name]
        ours = f"{fmt.format(mean)} ± {fmt.format(std)}"
        lines.append(
            f"{label:<12}{ours:>30}{fmt.format(paper[name]):>10}"
            f"{(fmt.format(hum) if hum is not None else '-'):>10}"
        )
    lines.append(
        "paper: Table 1 (tau, rho) and Table 3 (F1), mean of 10 runs of 5 folds; "
        "human: Table 1 (Otani et al. 2019)"
    )
    return "\n".join(lines)


def write_json(result: EvalResult, path) -> None:
    Path(path).write_text(json.dumps(result.to_json(), indent=1) + "\n")
