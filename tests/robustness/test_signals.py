"""SIGTERM (``kill``, a service manager) and SIGHUP (the terminal closed) stop
``trim-summarize`` like Ctrl-C: nothing partial left, not even the hidden export temp
file, and exit 143 / 129 (128 + the signal). Real processes, real signals, sent while
the export is writing its temporary file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.conftest import FAST, files_under, sha256, signal_when
from tests.robustness.odd_media import make_clip

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)], ids=["TERM", "HUP"]
)
def test_signal_during_export_leaves_nothing(tmp_path, sig, code):
    src = make_clip(tmp_path / "v.mp4", "mp4", duration=4.0)
    before = sha256(src)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    env = dict(os.environ, TRIM_DESKTOP_CACHE=str(tmp_path / "cache"), PYTHONUNBUFFERED="1")
    flags = [f for f in FAST if f != "-q"] + ["--engine", "torch", "--budget", "100"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.robustness.slow_export_cli",
            str(src),
            "--output-dir",
            str(out_dir),
            *flags,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen, rest, took = signal_when(
        proc, "Exporting MP4", sig, ready=lambda: any(".partial-" in f for f in os.listdir(out_dir))
    )  # mid-export
    assert proc.returncode == code, seen + rest
    assert "Cancelled; no partial output was left." in rest and "Traceback" not in rest
    assert took < 5.0
    assert os.listdir(out_dir) == [] and files_under(out_dir) == []
    assert sha256(src) == before
