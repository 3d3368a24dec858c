"""Fixtures shared by the core tests."""

from types import SimpleNamespace

import numpy as np
import pytest

from tests.media import make_video
from trim_desktop.core import pipeline
from trim_desktop.core.decode import VideoInfo


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    """A feature cache of this test's own (use with pytestmark usefixtures)."""
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """2.4 s, two 1.2-s scenes (cut between samples), 30 fps: 5 samples at 2/s."""
    return make_video(
        tmp_path_factory.mktemp("v") / "clip.mp4",
        duration=2.4,
        fps=30,
        size=(160, 120),
        scene_s=1.2,
        audio=False,
    )


def fake_features(n=30, dim=32, rate=2.0, seed=0):
    """Six scenes of distinct feature vectors (a 15 s video at 2 samples/s)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, dim)) * 3
    values = np.concatenate([c + 0.1 * rng.normal(size=(n // 6, dim)) for c in centres])
    ts = np.arange(n) / rate
    info = VideoInfo(
        path="/v.mp4",
        duration=n / rate,
        fps=25.0,
        n_frames=int(n / rate * 25),
        width=64,
        height=48,
        rotation=0,
        has_audio=False,
        video_codec="h264",
        audio_codec=None,
    )
    return SimpleNamespace(
        values=values.astype(np.float32),
        timestamps=ts,
        frame_indices=(ts * 25).astype(np.int64),
        backbone="fake",
        preprocess="crop",
        rate=rate,
        info=info,
        from_cache=False,
    )


@pytest.fixture
def calls(monkeypatch):
    """pipeline.extract gives fake features; counts what each step calls."""
    count = {"extract": 0, "score": 0, "select": 0}
    real_score, real_select = pipeline.score, pipeline.select

    def extract(path, settings, progress=None, cancel=None, messages=None):
        count["extract"] += 1
        return fake_features()

    def score(*a, **k):
        count["score"] += 1
        return real_score(*a, **k)

    def select(*a, **k):
        count["select"] += 1
        return real_select(*a, **k)

    monkeypatch.setattr(pipeline, "extract", extract)
    monkeypatch.setattr(pipeline, "score", score)
    monkeypatch.setattr(pipeline, "select", select)
    return count
