"""Cancel at every stage returns within 1 s and leaves no thread and no temporary file;
Ctrl-C on a real ``trim-summarize`` process exits 130 with nothing written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.robustness.conftest import files_under, sha256, signal_when, temp_leftovers, trim_threads
from trim_desktop.core import pipeline
from trim_desktop.core.progress import Cancelled, CancelToken

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def settings(**kw):
    base = dict(backbone="efficientnet-lite0", device="cpu", steps1=40, steps2=40)
    base.update(kw)
    return pipeline.SummarizeSettings(**base)


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("cancel-cache")


@pytest.fixture
def env(shared_cache, monkeypatch):
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(shared_cache))
    return shared_cache


class Canceller:
    """A progress callback that cancels the first time ``stage`` reports, and clocks it."""

    def __init__(self, stage: str, min_done: float = 0.0):
        self.stage, self.min_done = stage, min_done
        self.token = CancelToken()
        self.at: float | None = None
        self.stages: list[str] = []

    def cancel_now(self):
        if self.at is None:
            self.at = time.monotonic()
            self.token.cancel()

    def __call__(self, p):
        if not self.stages or self.stages[-1] != p.stage:
            self.stages.append(p.stage)
        if p.stage == self.stage and p.done >= self.min_done:
            self.cancel_now()


class TimedCanceller(Canceller):
    """Cancels from another thread ``delay`` s after ``stage`` first reports (as a user would)."""

    def __init__(self, stage: str, delay: float):
        super().__init__("never")
        self.watch, self.delay, self.timer = stage, delay, None

    def __call__(self, p):
        super().__call__(p)
        if p.stage == self.watch and self.timer is None:
            self.timer = threading.Timer(self.delay, self.cancel_now)
            self.timer.start()


def assert_clean_cancel(run, canceller, folders, threads_before):
    with pytest.raises(Cancelled):
        run()
    took = time.monotonic() - canceller.at
    assert canceller.at is not None, canceller.stages
    assert took < 1.0, f"cancel took {took:.2f} s"
    assert trim_threads() == threads_before
    assert not temp_leftovers(*folders)


@pytest.mark.parametrize("stage", ["features", "stage1", "stage2", "kts"])
def test_cancel_pipeline_stage(stage, corpus, env, tmp_path):
    src = corpus("long_scenes.mp4")
    before = sha256(src)
    use_cache = stage != "features"
    if use_cache:  # later stages: features from the cache, computed once per module
        pipeline.extract(src, settings())
    c = Canceller(stage, min_done=0.5 if stage == "features" else 0.0)
    if stage == "features":  # not right after a batch: at a moment of its own, mid-batch
        c = TimedCanceller("features", delay=0.35)
    # stage 1 runs only when asked for (the one-video regime of the presets skips it)
    steps = {"stage1": dict(steps1=40, steps2=1, stage1=True), "stage2": dict(steps1=1, steps2=40)}
    s = settings(use_cache=use_cache, **steps.get(stage, dict(steps1=1, steps2=1)))
    threads = trim_threads()
    assert_clean_cancel(
        lambda: pipeline.summarize(src, s, progress=c, cancel=c.token),
        c,
        [env, src.parent],
        threads,
    )
    assert sha256(src) == before


def test_cancel_while_decoding(corpus, env, monkeypatch):
    """Cancel while the decoder thread is busy, before the network has seen a batch."""
    from trim_desktop.core import decode

    src = corpus("long_scenes.mp4")
    c = Canceller("never")
    real = decode.iter_samples

    def samples(*a, **k):
        for i, s in enumerate(real(*a, **k)):
            if i == 3:
                c.cancel_now()  # from inside the decoder thread
            yield s

    monkeypatch.setattr(decode, "iter_samples", samples)
    threads = trim_threads()
    assert_clean_cancel(
        lambda: pipeline.extract(src, settings(use_cache=False), progress=c, cancel=c.token),
        c,
        [env],
        threads,
    )


def test_cancel_export(corpus, env, tmp_path):
    src = corpus("long_scenes.mp4")
    out = tmp_path / "out" / "cut.mp4"
    out.parent.mkdir()
    c = Canceller("export", min_done=0.1)
    threads = trim_threads()
    assert_clean_cancel(
        lambda: pipeline.export(
            src, type("S", (), {"selected": [(0.0, 30.0)]})(), out, progress=c, cancel=c.token
        ),
        c,
        [out.parent],
        threads,
    )
    assert files_under(out.parent) == []


def test_ctrl_c_during_features_exits_130_and_leaves_nothing(corpus, tmp_path):
    """A real process and a real SIGINT while it decodes and extracts features."""
    src = corpus("long_scenes.mp4")
    before = sha256(src)
    out_dir, cache = tmp_path / "out", tmp_path / "cache"
    env = dict(os.environ, TRIM_DESKTOP_CACHE=str(cache), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trim_desktop.cli.summarize",
            str(src),
            "--output-dir",
            str(out_dir),
            "--backbone",
            "efficientnet-lite0",
            "--device",
            "cpu",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen, rest, took = signal_when(proc, "Decode + features", signal.SIGINT)
    assert proc.returncode == 130, seen + rest
    assert "Cancelled; no partial output was left." in rest
    assert "Traceback" not in rest
    assert took < 5.0
    assert files_under(out_dir) == [] and not temp_leftovers(cache)
    assert sha256(src) == before
