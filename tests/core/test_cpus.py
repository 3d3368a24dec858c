"""available_cpus(): the cores the decoder and the network may use."""

from __future__ import annotations

import os

import av
import pytest

from tests.media import make_video
from trim_desktop.core import cpus
from trim_desktop.core.decode import stream


def test_follows_the_affinity_mask(monkeypatch):
    if not hasattr(os, "sched_getaffinity"):
        pytest.skip("no affinity masks on this OS")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3, 5})
    assert cpus.available_cpus() == 3


def test_falls_back_to_the_core_count(monkeypatch):
    def no_affinity(pid):
        raise OSError("not supported")

    monkeypatch.setattr(os, "sched_getaffinity", no_affinity, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert cpus.available_cpus() == 1


def test_decoder_uses_one_thread_per_core(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "available_cpus", lambda: 3)
    path = make_video(tmp_path / "a.mp4", duration=0.5, size=(64, 48), audio=False)
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        stream.enable_threads(vs)
        assert vs.thread_count == 3
