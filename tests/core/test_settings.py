"""core.settings: one copy of the presets and limits, read by training, the CLIs and the GUI."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from trim_desktop.cli import summarize
from trim_desktop.cli import train as train_cli
from trim_desktop.core import api
from trim_desktop.core import settings as S
from trim_desktop.core import train as T

ROOT = Path(__file__).resolve().parents[2]


def test_training_presets_are_the_settings_weights():
    for key, w in S.PRESET_WEIGHTS.items():
        t = T.PRESETS[key]
        assert (t.alpha, t.beta, t.gamma, t.nu, t.stage1) == (
            w.alpha,
            w.beta,
            w.gamma,
            w.nu,
            w.stage1,
        )
        assert t.regime == "video"
    for key, w in S.PAPER_WEIGHTS.items():
        t = T.PAPER_PRESETS[key]
        assert (t.alpha, t.beta, t.gamma, t.nu, t.stage1) == (w.alpha, w.beta, w.gamma, w.nu, True)
        assert t.regime == "paper"
    assert S.PRESET_WEIGHTS["auto"] == S.PRESET_WEIGHTS["long"]
    assert set(S.PRESET_WEIGHTS) == set(S.PRESET_LABELS)


def test_every_preset_fits_the_sliders():
    for w in [*S.PRESET_WEIGHTS.values(), *S.PAPER_WEIGHTS.values()]:
        for name, limit in S.WEIGHT_LIMITS.items():
            v = getattr(w, name)
            assert 0 <= v <= limit.maximum
            assert abs(v / limit.step - round(v / limit.step)) < 1e-6  # a slider tick
    assert 0 < S.BUDGET_MIN <= S.BUDGET_DEFAULT <= S.BUDGET_MAX < 1


def test_auto_rule():
    assert S.preset_for_duration(S.AUTO_THRESHOLD_S - 0.1) == "short"
    assert S.preset_for_duration(S.AUTO_THRESHOLD_S) == "long"
    assert S.preset_for_duration(None) == "long"
    assert S.preset_for_duration(float("nan")) == "long"


def test_the_clis_take_their_choices_from_settings():
    help_text = summarize.build_parser().format_help()
    for key, w in S.PRESET_WEIGHTS.items():
        if key != "auto":
            assert (
                f'"{S.PRESET_LABELS[key]}": PTRIM {w.alpha:g}, PCTRIM {w.beta:g}, REP {w.gamma:g}'
                in help_text
            )
    args = summarize.build_parser().parse_args(["x.mp4"])
    assert args.budget == pytest.approx(S.BUDGET_DEFAULT * 100)
    with pytest.raises(SystemExit):
        summarize.build_parser().parse_args(["x.mp4", "--preset", "nosuch"])
    assert (
        train_cli.build_parser().parse_args(["d", "-o", "m.pt", "--preset", "short"]).preset
        == "short"
    )


def test_presets_come_without_torch():
    """The GUI fills its panel before torch is imported: api and settings load no torch."""
    code = (
        "import sys; from trim_desktop.core import api; p, labels, rule = api.presets(); "
        "assert rule(60) == 'short' and labels['long'] == 'Long, multi-scene'; "
        "print('torch' in sys.modules, 'av' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=True,
    ).stdout.split()
    assert out == ["False", "False"]


def test_the_gui_keeps_no_copy_of_the_presets():
    """No number of a preset is written in the GUI's source (they come from core.settings)."""
    for path in (ROOT / "trim_desktop" / "gui").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert not names & {"FALLBACK_PRESETS", "FALLBACK_LABELS"}, path
    assert api.presets()[0] is S.PRESET_WEIGHTS
