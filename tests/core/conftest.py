"""Fixtures shared by the core tests."""
import pytest

from tests.media import make_video


@pytest.fixture
def cache_env(tmp_path, monkeypatch):
    """A feature cache of this test's own (use with pytestmark usefixtures)."""
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """2.4 s, two 1.2-s scenes (cut between samples), 30 fps: 5 samples at 2/s."""
    return make_video(tmp_path_factory.mktemp("v") / "clip.mp4", duration=2.4, fps=30,
                      size=(160, 120), scene_s=1.2, audio=False)
