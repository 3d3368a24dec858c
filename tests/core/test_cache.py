"""Feature cache: keys, round trip, damaged entries rebuilt, unwritable cache tolerated."""

import os
import sys

import numpy as np
import pytest

from trim_desktop.core import cache as cachemod
from trim_desktop.core.cache import FeatureCache, default_cache_root
from trim_desktop.core.decode import VideoInfo
from trim_desktop.core.feature_set import Features

SETTINGS = dict(backbone="efficientnet-lite0", weights="w1", preprocess="crop", rate=2.0)


pytestmark = pytest.mark.usefixtures("cache_env")


@pytest.fixture
def video_file(tmp_path):
    p = tmp_path / "clip.mp4"
    p.write_bytes(np.random.default_rng(0).bytes(3 * (1 << 20) + 123))
    return p


def _features(n=7, d=16):
    rng = np.random.default_rng(n)
    info = VideoInfo(
        path="clip.mp4",
        duration=3.5,
        fps=30.0,
        n_frames=105,
        width=320,
        height=240,
        rotation=0,
        has_audio=False,
        video_codec="h264",
        audio_codec=None,
    )
    return Features(
        values=rng.standard_normal((n, d)).astype(np.float32),
        frame_indices=np.arange(n, dtype=np.int64) * 15,
        timestamps=np.arange(n) * 0.5,
        backbone="efficientnet-lite0",
        preprocess="crop",
        rate=2.0,
        info=info,
    )


def test_default_root_follows_env_and_platform(cache_env, monkeypatch, tmp_path):
    assert FeatureCache().root == cache_env
    monkeypatch.delenv("TRIM_DESKTOP_CACHE")
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
        assert default_cache_root() == tmp_path / "xdg" / "trim-desktop" / "features"
    assert FeatureCache(tmp_path / "x").root == tmp_path / "x"


def test_key_depends_on_every_setting(video_file):
    c = FeatureCache()
    base = c.key(video_file, **SETTINGS)
    assert base == c.key(video_file, **dict(reversed(list(SETTINGS.items()))))
    for name, other in [
        ("backbone", "resnet50"),
        ("weights", "w2"),
        ("preprocess", "resize"),
        ("rate", 1.0),
    ]:
        assert c.key(video_file, **{**SETTINGS, name: other}) != base, name


def test_key_depends_on_file_content_not_just_name(video_file):
    c = FeatureCache()
    st = video_file.stat()
    base = c.key(video_file, **SETTINGS)
    data = bytearray(video_file.read_bytes())
    data[-10] ^= 0xFF  # same size, same mtime, new tail
    video_file.write_bytes(bytes(data))
    os.utime(video_file, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert c.key(video_file, **SETTINGS) != base
    os.utime(video_file, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # touched
    assert len({base, c.key(video_file, **SETTINGS)}) == 2


def test_round_trip(video_file, cache_env):
    c = FeatureCache()
    key = c.key(video_file, **SETTINGS)
    assert c.get(key) is None
    f = _features()
    assert c.put(key, f)
    g = c.get(key)
    assert g is not None and g.from_cache
    np.testing.assert_array_equal(g.values, f.values)
    np.testing.assert_array_equal(g.frame_indices, f.frame_indices)
    np.testing.assert_array_equal(g.timestamps, f.timestamps)
    assert g.values.dtype == np.float32 and g.frame_indices.dtype == np.int64
    assert g.timestamps.dtype == np.float64
    assert (g.backbone, g.preprocess, g.rate, g.info) == (f.backbone, f.preprocess, f.rate, f.info)
    assert [p.name for p in cache_env.iterdir()] == [f"{key}.npz"]  # no temp files left
    assert c.size_bytes() > 0 and c.clear() == 1 and c.get(key) is None


def _damage_truncate(p):
    p.write_bytes(p.read_bytes()[: p.stat().st_size // 2])


def _damage_flip(p):
    data = bytearray(p.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the values array
    p.write_bytes(bytes(data))


def _damage_garbage(p):
    p.write_bytes(b"\x00garbage" * 10)


def _damage_empty(p):
    p.write_bytes(b"")


@pytest.mark.parametrize("damage", [_damage_truncate, _damage_flip, _damage_garbage, _damage_empty])
def test_damaged_entry_is_a_miss_and_removed(video_file, damage):
    c = FeatureCache()
    key = c.key(video_file, **SETTINGS)
    c.put(key, _features())
    damage(c.entry_path(key))
    assert c.get(key) is None
    assert not c.entry_path(key).exists()
    assert "damaged" in c.last_problem
    assert c.put(key, _features()) and c.get(key) is not None  # rebuilt


def test_entry_under_another_key_is_not_trusted(video_file):
    c = FeatureCache()
    k1 = c.key(video_file, **SETTINGS)
    k2 = c.key(video_file, **{**SETTINGS, "rate": 1.0})
    c.put(k1, _features())
    c.entry_path(k1).replace(c.entry_path(k2))
    assert c.get(k2) is None


def test_unwritable_cache_is_only_a_warning(video_file, tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    c = FeatureCache(blocker / "sub")
    key = c.key(video_file, **SETTINGS)
    assert c.put(key, _features()) is False
    assert "cannot write" in c.last_problem

    c2 = FeatureCache()

    def disk_full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cachemod.os, "replace", disk_full)
    assert c2.put(key, _features()) is False
    assert not list(c2.root.glob("*.tmp")) and c2.get(key) is None


def test_bad_key_rejected():
    with pytest.raises(ValueError):
        FeatureCache().entry_path("../../etc/passwd")


def test_default_root_is_platformdirs_cache_folder(monkeypatch):
    from platformdirs import user_cache_dir

    monkeypatch.delenv("TRIM_DESKTOP_CACHE")
    assert (
        default_cache_root()
        == cachemod.Path(user_cache_dir("trim-desktop", appauthor=False)) / "features"
    )


def test_entries_of_the_old_folder_are_read_and_moved(video_file, tmp_path):
    old, new = FeatureCache(tmp_path / "old"), FeatureCache(tmp_path / "new")
    key = new.key(video_file, **SETTINGS)
    assert old.put(key, _features())
    new.legacy_roots = [old.root]  # what FeatureCache() sets on macOS / Windows
    got = new.get(key)
    assert got is not None and got.from_cache
    np.testing.assert_array_equal(got.values, _features().values)
    assert new.entry_path(key).is_file() and not old.entry_path(key).exists()  # moved
    assert new.get(key) is not None


def test_legacy_folders_are_the_old_per_os_paths(monkeypatch, tmp_path):
    monkeypatch.delenv("TRIM_DESKTOP_CACHE")
    monkeypatch.setattr(cachemod.sys, "platform", "darwin")
    monkeypatch.setattr(cachemod.Path, "home", classmethod(lambda cls: tmp_path))
    assert cachemod.legacy_cache_roots() == [
        tmp_path / "Library" / "Caches" / "TRIM Desktop" / "features"
    ]
    monkeypatch.setattr(cachemod.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert cachemod.legacy_cache_roots() == [
        tmp_path / "local" / "TRIM Desktop" / "cache" / "features"
    ]
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(tmp_path / "mine"))
    assert cachemod.legacy_cache_roots() == []  # an explicit folder: nothing else is read
