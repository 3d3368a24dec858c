"""Issue 21, the input side: long-GOP MPEG-TS, cover art, a negative start time, a raw
H.264 stream, a FIFO; and errors named by where they happened (reading the source or
writing the output), never by errno alone. Inputs are made here with PyAV (64x48)."""

from __future__ import annotations

import errno
import json
import os
import shutil

import av
import pytest

from tests.robustness.conftest import FAST, files_under, one_error_line, sha256, temp_leftovers
from tests.robustness.odd_media import make_clip, make_gappy, make_mp3_with_cover, make_raw_h264
from trim_desktop.core import export as core_export
from trim_desktop.core.errors import InputVideoError, OutputError
from trim_desktop.core.export import export_mp4

RUN = FAST + ["--engine", "torch"]


def video_frames(path) -> list[float]:
    """Presentation times (s) of every decoded video frame of ``path``; [] if none."""
    with av.open(str(path)) as c:
        if not c.streams.video:
            return []
        return [float(f.time) for f in c.decode(video=0)]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("odd")
    return {
        "long_gop.ts": make_clip(d / "long_gop.ts", "mpegts", duration=10.0),
        "short_gop.ts": make_clip(d / "short_gop.ts", "mpegts", duration=10.0, gop=25),
        # Matroska keeps no negative block times: the video's first 1.5 s have no
        # timestamps and the audio starts at -1.5 s (what a negative offset leaves)
        "negative_start.mkv": make_clip(
            d / "negative_start.mkv",
            "matroska",
            offset_s=-1.5,
            container_options={"avoid_negative_ts": "disabled"},
        ),
        "raw.h264": make_raw_h264(d / "raw.h264"),
        "cover_art.mp3": make_mp3_with_cover(d / "cover_art.mp3"),
    }


# ---------------------------------------------------------------- 4: long GOP MPEG-TS


@pytest.mark.parametrize("name", ["long_gop.ts", "short_gop.ts"])
def test_ts_export_has_the_frames_of_every_range(media, tmp_path, name):
    """One key frame in 10 s (x264's default GOP of 250): a seek to 5 s lands mid-GOP
    where nothing decodes; the export seeks back until frames come (was: audio only)."""
    src = media[name]
    out = export_mp4(src, [(2.0, 3.0), (6.0, 8.0)], tmp_path / "s.mp4")
    times = video_frames(out)
    assert len(times) == 75, len(times)  # 25 + 50 frames at 25 fps
    with av.open(str(out)) as c:
        assert c.streams.audio and c.streams.video


def test_ts_through_the_cli_has_a_picture(media, run_cli, tmp_path, cache_dir):
    code, out, err = run_cli(media["long_gop.ts"], "--output-dir", tmp_path, "--budget", "40", *RUN)
    assert code == 0, err
    doc = json.loads((tmp_path / "long_gop.summary.json").read_text())
    kept = sum(s["end_time"] - s["start_time"] for s in doc["segments"] if s["selected"])
    frames = video_frames(tmp_path / "long_gop.summary.mp4")
    assert abs(len(frames) - kept * 25) <= 2 * len(doc["segments"]), (len(frames), kept)


def test_a_range_where_nothing_decodes_fails_instead_of_writing_no_picture(
    media, tmp_path, monkeypatch
):
    """Frame check before the rename: frames missing for a range -> exit-3 error, no file."""
    real = core_export._Exporter._timed

    def nothing_after_two_seconds(self, frames):
        for frame, t in real(self, frames):
            if t >= 2.0:
                return
            yield frame, t

    monkeypatch.setattr(core_export._Exporter, "_timed", nothing_after_two_seconds)
    with pytest.raises(
        InputVideoError,
        match=r"no video frame could be decoded between "
        r"6\.00 s and 8\.00 s",
    ):
        export_mp4(media["short_gop.ts"], [(0.0, 1.0), (6.0, 8.0)], tmp_path / "s.mp4")
    assert os.listdir(tmp_path) == []


def test_a_range_in_a_legitimate_gap_is_no_error(tmp_path):
    """The frame check must not refuse a variable-rate file that has no frame in a
    selected range because nothing changed there (the frame after it exists)."""
    src = make_gappy(tmp_path / "gappy.mp4")
    out = export_mp4(src, [(0.0, 0.5), (2.0, 4.0), (5.0, 5.4)], tmp_path / "s.mp4")
    assert len(video_frames(out)) == 13 + 10


def test_a_file_that_loses_frames_on_the_way_is_not_kept(media, tmp_path, monkeypatch):
    real = core_export._Exporter._encode_video

    def lose_every_tenth(self, frame, out_t):
        real(self, frame, out_t)
        if self.encoded % 10 == 0:
            self.encoded += 1  # as if a frame had been encoded and not muxed

    monkeypatch.setattr(core_export._Exporter, "_encode_video", lose_every_tenth)
    with pytest.raises(OutputError, match="video frames selected"):
        export_mp4(media["short_gop.ts"], [(0.0, 2.0)], tmp_path / "s.mp4")
    assert os.listdir(tmp_path) == []


# ---------------------------------------------------------------- 5: cover art is not video


def test_cover_art_is_not_a_video_exit_3(media, run_cli, tmp_path, cache_dir):
    src = media["cover_art.mp3"]
    before = sha256(src)
    code, out, err = run_cli(src, "--output-dir", tmp_path / "o", *RUN)
    line = one_error_line(err)
    assert code == 3, err
    assert line == "error: Cannot read 'cover_art.mp3': no video stream (only cover art)"
    assert files_under(tmp_path / "o") == [] and sha256(src) == before


# ---------------------------------------------------------------- 8: odd but valid, odd places


@pytest.mark.parametrize("name", ["negative_start.mkv", "raw.h264"])
def test_negative_start_and_raw_h264_are_summarized(media, run_cli, tmp_path, cache_dir, name):
    """Both used to fail with "the folder ... is read-only": FFmpeg refuses their seeks
    with EPERM. Now a refused seek reads on from the start."""
    src = tmp_path / name
    shutil.copy2(media[name], src)
    code, out, err = run_cli(src, "--budget", "50", *RUN)
    assert code == 0, err
    assert "read-only" not in err
    mp4 = tmp_path / f"{src.stem}.summary.mp4"
    doc = json.loads((tmp_path / f"{src.stem}.summary.json").read_text())
    kept = sum(s["end_time"] - s["start_time"] for s in doc["segments"] if s["selected"])
    assert kept > 0 and len(video_frames(mp4)) >= int(kept * 25) - 2
    assert not temp_leftovers(tmp_path)


def test_raw_h264_probe_knows_its_duration(media):
    from trim_desktop.core.decode import probe

    info = probe(media["raw.h264"])
    assert info.duration == pytest.approx(4.0, abs=0.1) and info.n_frames == 100


def test_fifo_is_named_as_such_exit_3(run_cli, tmp_path, cache_dir):
    fifo = tmp_path / "pipe.mp4"
    os.mkfifo(fifo)
    code, out, err = run_cli(fifo, "--output-dir", tmp_path / "o", *RUN)
    line = one_error_line(err)
    assert code == 3 and "not a regular file (a pipe or a device)" in line, line
    from trim_desktop.core.decode import probe

    with pytest.raises(InputVideoError, match="not a regular file"):
        probe(fifo)  # the app's open path says the same, and never blocks


def test_errors_are_named_by_where_they_happened(media, tmp_path, monkeypatch):
    """EPERM from the source's seek is no "read-only folder"; EPERM writing the output is."""
    src = media["short_gop.ts"]
    real_seek = av.container.InputContainer.seek
    calls = {"n": 0}

    def seek_refused(self, *a, **k):
        calls["n"] += 1
        raise av.error.PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(av.container.InputContainer, "seek", seek_refused)
    out = export_mp4(src, [(6.0, 7.0)], tmp_path / "a.mp4")  # reads on from the start
    assert calls["n"] >= 1 and len(video_frames(out)) == 25
    monkeypatch.setattr(av.container.InputContainer, "seek", real_seek)

    def mux_refused(self, *a, **k):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(av.container.OutputContainer, "mux", mux_refused)
    with pytest.raises(OutputError, match="read-only"):
        export_mp4(src, [(6.0, 7.0)], tmp_path / "b.mp4")
    assert sorted(os.listdir(tmp_path)) == ["a.mp4"]
