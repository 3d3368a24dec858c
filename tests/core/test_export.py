"""export_mp4() round trips and the atomic JSON / CSV writers."""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pytest

from tests.media import SCENE_COLOURS, make_video
from trim_desktop.core import export as export_mod
from trim_desktop.core.decode import iter_samples, probe
from trim_desktop.core.errors import OutputError
from trim_desktop.core.export import (
    export_mp4,
    read_scores_csv,
    read_segments_csv,
    read_summary_json,
    selected_ranges,
    write_scores_csv,
    write_segments_csv,
    write_summary_json,
)
from trim_desktop.core.progress import Cancelled, CancelToken


@dataclass
class Seg:
    start_time: float
    end_time: float
    selected: bool = True
    start_frame: int = 0
    end_frame: int = 0
    score: float = 0.5


def _video_times(path):
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        start = (vs.start_time or 0) * vs.time_base
        return [float(f.pts * f.time_base - start) for f in c.decode(vs)]


def _audio(path):
    with av.open(str(path)) as c:
        frames = list(c.decode(c.streams.audio[0]))
    sr = frames[0].sample_rate
    return np.concatenate([f.to_ndarray()[0] for f in frames]), sr


def _expected_frames(times, ranges):
    return sum(1 for t in times for a, b in ranges if a - 1e-6 <= t < b - 1e-6)


def _dominant_hz(wave, sr):
    spec = np.abs(np.fft.rfft(wave * np.hanning(len(wave))))
    return np.fft.rfftfreq(len(wave), 1.0 / sr)[int(np.argmax(spec))]


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    # 2 s scenes: scene k is colour k and a (220 * (k+1)) Hz tone
    return make_video(
        tmp_path_factory.mktemp("src") / "src.mp4",
        duration=8.0,
        fps=30,
        size=(160, 120),
        scene_s=2.0,
    )


def test_round_trip_frames_audio_and_sync(src, tmp_path):
    ranges = [(1.0, 3.0), (6.5, 7.25)]
    out = export_mp4(src, ranges, tmp_path / "out.mp4")
    assert out == tmp_path / "out.mp4" and out.exists()
    info = probe(out)
    assert info.video_codec == "h264" and info.audio_codec == "aac"
    times = _video_times(out)
    assert len(times) == _expected_frames(_video_times(src), ranges) == 83
    assert np.all(np.diff(times) > 0)
    video_len = times[-1] + 1 / 30
    assert video_len == pytest.approx(2.75, abs=1 / 30)
    wave, sr = _audio(out)
    assert abs(len(wave) / sr - video_len) <= 1 / 30
    # sync: output 0-1 s is scene 0 (220 Hz), 1-2 s scene 1 (440 Hz), 2.0-2.75 s scene 3
    for t0, hz in ((0.1, 220), (1.1, 440), (2.1, 880)):
        piece = wave[int(t0 * sr) : int((t0 + 0.5) * sr)]
        assert _dominant_hz(piece, sr) == pytest.approx(hz, abs=10)
    imgs = {round(s.time, 2): s.image for s in iter_samples(out, rate=2.0)}
    for t, scene in ((0.5, 0), (1.5, 1), (2.5, 3)):
        colours = imgs[t].reshape(-1, 3).astype(int)
        assert np.abs(colours - SCENE_COLOURS[scene]).sum(1).min() < 60


def test_segment_objects_only_selected(src, tmp_path):
    segs = [Seg(0.0, 1.0), Seg(1.0, 4.0, selected=False), Seg(5.0, 5.5)]
    out = export_mp4(src, segs, tmp_path / "sel.mp4")
    assert len(_video_times(out)) == 45


def test_selected_ranges_merge_and_clip():
    assert selected_ranges([(3, 4), (0, 1), (0.5, 2), (7, 20)], duration=8.0) == [
        (0.0, 2.0),
        (3.0, 4.0),
        (7.0, 8.0),
    ]
    assert selected_ranges([Seg(1, 2, selected=False)]) == []


def test_far_apart_ranges_seek(tmp_path):
    path = make_video(
        tmp_path / "long.mp4", duration=14.0, fps=15, size=(96, 64), codec_options={"g": "30"}
    )
    ranges = [(0.2, 0.6), (5.0, 5.4), (12.9, 13.5)]
    out = export_mp4(path, ranges, tmp_path / "o.mp4")
    assert len(_video_times(out)) == _expected_frames(_video_times(path), ranges)


def test_no_audio_source(tmp_path):
    path = make_video(tmp_path / "mute.mkv", duration=2.0, size=(96, 64), audio=False)
    out = export_mp4(path, [(0.5, 1.5)], tmp_path / "mute_out.mp4")
    info = probe(out)
    assert not info.has_audio and len(_video_times(out)) == 30


def test_odd_size_rotated_vfr_source(tmp_path):
    path = make_video(
        tmp_path / "odd.mp4",
        duration=2.0,
        size=(97, 65),
        rotation=90,
        vfr=True,
        audio_rate=22050,
        pix_fmt="yuv444p",
    )
    ranges = [(0.3, 1.7)]
    out = export_mp4(path, ranges, tmp_path / "odd_out.mp4")
    info = probe(out)
    assert info.rotation == 90 and (info.width, info.height) == (64, 96)
    assert len(_video_times(out)) == _expected_frames(_video_times(path), ranges)
    wave, sr = _audio(out)
    assert sr == 22050 and abs(len(wave) / sr - 1.4) < 0.05


def test_audio_rate_aac_cannot_take_is_resampled(tmp_path):
    path = make_video(
        tmp_path / "pcm.mkv", duration=2.0, size=(96, 64), audio_codec="pcm_s16le", audio_rate=37800
    )
    out = export_mp4(path, [(0.5, 1.5)], tmp_path / "pcm_out.mp4")
    wave, sr = _audio(out)
    assert sr == 48000 and abs(len(wave) / sr - 1.0) < 1 / 30


def test_progress_reports(src, tmp_path):
    seen = []
    export_mp4(src, [(0, 1), (2, 2.5)], tmp_path / "p.mp4", progress=seen.append)
    assert {p.stage for p in seen} == {"export"}
    assert seen[-1].done == pytest.approx(1.5) and seen[-1].total == pytest.approx(1.5)
    assert all(a.done <= b.done for a, b in zip(seen, seen[1:]))


def test_same_path_refused(src, tmp_path):
    before = src.read_bytes()
    with pytest.raises(OutputError, match="input"):
        export_mp4(src, [(0, 1)], src)
    link = tmp_path / "alias.mp4"
    os.symlink(src, link)
    with pytest.raises(OutputError):
        export_mp4(src, [(0, 1)], link)
    assert src.read_bytes() == before


def test_cancel_leaves_nothing(src, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    token = CancelToken()

    def progress(p):
        if p.done > 0.5:
            token.cancel()

    with pytest.raises(Cancelled):
        export_mp4(src, [(0, 4)], folder / "c.mp4", progress=progress, cancel=token)
    assert list(folder.iterdir()) == []


def test_error_midway_removes_temp_and_keeps_old_file(src, tmp_path, monkeypatch):
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"old")

    def boom(self, frame, out_t):
        raise RuntimeError("encoder exploded")

    monkeypatch.setattr(export_mod._Exporter, "_encode_video", boom)
    with pytest.raises(RuntimeError):
        export_mp4(src, [(0, 1)], target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.mp4"]
    assert target.read_bytes() == b"old"


def test_read_only_folder(src, tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root ignores permissions: simulate the refusal

            def denied(*a, **k):
                raise PermissionError(errno.EACCES, "Permission denied")

            monkeypatch.setattr(export_mod.tempfile, "mkstemp", denied)
        with pytest.raises(OutputError, match="read-only"):
            export_mp4(src, [(0, 1)], folder / "x.mp4")
        with pytest.raises(OutputError, match="read-only"):
            write_summary_json({"a": 1}, folder / "s.json")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_disk_full_message(src, tmp_path, monkeypatch):
    def full(self, tmp):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_mod._Exporter, "run", full)
    with pytest.raises(OutputError, match="disk is full"):
        export_mp4(src, [(0, 1)], tmp_path / "full.mp4")
    assert list(tmp_path.iterdir()) == []


def test_missing_folder_and_empty_selection(src, tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        export_mp4(src, [(0, 1)], tmp_path / "nope" / "x.mp4")
    with pytest.raises(OutputError, match="no segment"):
        export_mp4(src, [Seg(0, 1, selected=False)], tmp_path / "x.mp4")


class FakeSummary:
    def __init__(self, d):
        self.d = d

    def to_dict(self):
        return self.d

    @classmethod
    def from_dict(cls, d):
        return cls(d)


def test_summary_json_round_trip(tmp_path):
    data = {
        "budget": 0.15,
        "scores": np.array([0.1, 0.5], np.float32),
        "frames": np.arange(3),
        "segments": [{"start_time": 0.0, "selected": True}],
        "path": Path("/x/y.mp4"),
    }
    p = write_summary_json(data, tmp_path / "s.json")
    back = read_summary_json(p)
    assert back["frames"] == [0, 1, 2] and back["path"] == "/x/y.mp4"
    assert back["scores"] == pytest.approx([0.1, 0.5])
    obj = read_summary_json(
        write_summary_json(FakeSummary({"k": 1}), tmp_path / "o.json"), cls=FakeSummary
    )
    assert obj.d == {"k": 1}
    assert [f.name for f in tmp_path.iterdir()] and not any(
        f.name.startswith(".") for f in tmp_path.iterdir()
    )
    json.loads((tmp_path / "s.json").read_text())


def test_scores_csv_round_trip(tmp_path):
    t = np.array([0.0, 0.5, 1.0])
    idx = np.array([0, 15, 30])
    s = np.array([0.25, 0.75, 0.5], np.float32)
    p = write_scores_csv(t, idx, s, tmp_path / "scores.csv")
    t2, i2, s2 = read_scores_csv(p)
    np.testing.assert_allclose(t2, t)
    assert i2.dtype == np.int64 and list(i2) == [0, 15, 30]
    np.testing.assert_allclose(s2, s, atol=1e-6)
    with pytest.raises(ValueError):
        write_scores_csv(t, idx[:2], s, tmp_path / "bad.csv")


def test_segments_csv_round_trip(tmp_path):
    segs = [Seg(0.0, 1.5, True, 0, 44, 0.9), Seg(1.5, 3.0, False, 45, 89, 0.1)]
    rows = read_segments_csv(write_segments_csv(segs, tmp_path / "seg.csv"))
    assert rows[0] == {
        "start_frame": 0,
        "end_frame": 44,
        "start_time": 0.0,
        "end_time": 1.5,
        "score": 0.9,
        "selected": True,
        "reason": "",
        "junk": "",
    }
    assert rows[1]["selected"] is False
    from trim_desktop.core.select import Segment

    why = [
        Segment(0, 0, 44, 0.0, 1.5, 0.9, True, "kept: high score (top 3%)"),
        Segment(1, 45, 89, 1.5, 3.0, 0.1, False, "left out: too dark", "dark"),
    ]
    back = read_segments_csv(write_segments_csv(why, tmp_path / "why.csv"))
    assert [r["reason"] for r in back] == ["kept: high score (top 3%)", "left out: too dark"]
    assert [r["junk"] for r in back] == ["", "dark"]
    pairs = read_segments_csv(write_segments_csv([(2.0, 3.0)], tmp_path / "p.csv"))
    assert pairs[0]["start_time"] == 2.0 and pairs[0]["start_frame"] is None
