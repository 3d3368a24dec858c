"""The user's choices and their limits, in one torch-free place.

The presets (their loss weights and labels), the rule Auto picks one by, the range of
each weight slider and of the summary length: ``core.train`` builds its TrainSettings
from these, the CLIs take their choices and help from them, and the GUI (through
``core.api``) fills its panel with them before torch is imported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Weights:
    """The weights of eq. (10): alpha weights L_PTRIM, beta L_PCTRIM, gamma L_REP; nu the
    std terms of stage 1 (L_PRE, eq. 3); ``stage1``: whether stage 1 runs."""

    alpha: float
    beta: float
    gamma: float
    nu: float
    stage1: bool = False


_LONG = Weights(alpha=1.0, beta=1.0, gamma=0.5, nu=0.005)

PRESET_WEIGHTS: dict[str, Weights] = {
    # "auto" holds the long weights as a placeholder; resolve it with preset_for_duration().
    "auto": _LONG,
    # Re-derived with benchmarks/preset_sweep.py (docs/training.md, "Presets"): the paper's
    # TVSum weights (PTRIM 1, PCTRIM 0, REP 5) kept 2 of 6 inserted events, 3 of 5 clips
    # between junk and 3 of 7 distinct clips; PTRIM 1, PCTRIM 1, REP 0.5 kept 6, 4 and 6.
    "long": _LONG,
    # Paper, SumMe setting: PTRIM 1, PCTRIM 0.5, REP 0, nu 0.0005 (among the best measured).
    "short": Weights(alpha=1.0, beta=0.5, gamma=0.0, nu=0.0005),
    # Eq. (10) as printed: PTRIM 1, PCTRIM 5, REP 0.5, nu 0.005.
    "paper": Weights(alpha=1.0, beta=5.0, gamma=0.5, nu=0.005),
}
"""The app's presets (the one-video regime, no stage 1)."""

PAPER_WEIGHTS: dict[str, Weights] = {
    # Research mode (trim-train): the paper's settings and eq. (10) as printed, so that
    # Table 1 comparisons stay valid.
    "long": Weights(alpha=1.0, beta=0.0, gamma=5.0, nu=0.005, stage1=True),
    "short": Weights(alpha=1.0, beta=0.5, gamma=0.0, nu=0.0005, stage1=True),
    "paper": Weights(alpha=1.0, beta=5.0, gamma=0.5, nu=0.005, stage1=True),
}

PRESET_LABELS: dict[str, str] = {
    "auto": "Auto (by duration)",
    "long": "Long, multi-scene",
    "short": "Short",
    "paper": "Paper eq. 10",
}

AUTO_THRESHOLD_S = 180.0
"""Videos shorter than this use the "short" (SumMe-like) preset, others "long" (TVSum-like).

SumMe videos last 1-6 min, TVSum videos 2-10 min (paper, A.3.1): under 2 min only SumMe
has videos, over 6 min only TVSum. 3 min sits in the overlap, between the two datasets'
typical lengths (geometric centres of the ranges: 2.4 min and 4.5 min).
"""


def preset_for_duration(seconds: Optional[float]) -> str:
    """ "short" below AUTO_THRESHOLD_S seconds, else "long" (unknown duration -> "long")."""
    if seconds is None or not math.isfinite(seconds):
        return "long"
    return "short" if seconds < AUTO_THRESHOLD_S else "long"


def presets_in_words() -> str:
    """One line per preset with its weights (the CLI's help)."""
    lines = [
        f"  {'auto':<7} picks 'long' or 'short' from the video's duration "
        f"(short below {AUTO_THRESHOLD_S / 60:g} minutes)"
    ]
    for key, w in PRESET_WEIGHTS.items():
        if key != "auto":
            lines.append(
                f'  {key:<7} "{PRESET_LABELS[key]}": PTRIM {w.alpha:g}, '
                f"PCTRIM {w.beta:g}, REP {w.gamma:g}, nu {w.nu:g}"
            )
    return "\n".join(lines)


@dataclass(frozen=True)
class Limit:
    """A weight slider's range, [0, maximum] in ``step`` units shown with ``decimals``."""

    maximum: float
    step: float
    decimals: int


WEIGHT_LIMITS: dict[str, Limit] = {
    "alpha": Limit(5.0, 0.05, 2),
    "beta": Limit(10.0, 0.05, 2),
    "gamma": Limit(10.0, 0.05, 2),
    "nu": Limit(0.02, 0.0001, 4),
}
"""Each preset's weight lies inside its limit (tests/core/test_settings.py)."""

BUDGET_DEFAULT = 0.15
"""Share of the duration a summary keeps unless told otherwise (the app and the CLI)."""
BUDGET_MIN, BUDGET_MAX = 0.05, 0.5
"""The app's length slider (and the seconds field, as a share of the video): 5 % - 50 %."""


VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".m4v", ".mkv", ".mov", ".avi", ".webm", ".mpg", ".mpeg", ".ts", ".wmv", ".flv"}
)
"""File endings the CLIs take as videos when they are given a folder or a list."""
