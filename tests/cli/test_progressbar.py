"""The per-stage progress bar: labels, percentages and ETA on a non-terminal stream."""

import io

from trim_desktop.cli.progressbar import ProgressBar, format_seconds
from trim_desktop.core.progress import Progress


def test_milestones_per_stage_with_eta():
    out = io.StringIO()
    bar = ProgressBar(stream=out)
    for i in range(0, 11):
        bar(Progress("features", i, 10, time=100.0 + i))
    bar(Progress("stage2", 5, 10, time=200.0))
    bar.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Decode + features") and "0.0%" in lines[0]
    assert any("100.0%" in line and "ETA 00:00" in line for line in lines)
    assert any("ETA 00:05" in line for line in lines if "50.0%" in line)
    assert lines[-1].startswith("Stage 2 (fine-tuning)")


def test_quiet_prints_nothing():
    out = io.StringIO()
    bar = ProgressBar(stream=out, quiet=True)
    bar(Progress("kts", 1, 2))
    bar.close()
    assert out.getvalue() == ""


def test_format_seconds():
    assert format_seconds(None) == "--:--"
    assert format_seconds(65) == "01:05"
    assert format_seconds(3725) == "1:02:05"
