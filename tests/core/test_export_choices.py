"""The export choices: container by ending, every audio track, chapters, clips, fast copy."""

from __future__ import annotations

import av
import numpy as np
import pytest

from tests.media import make_two_track_video, make_video
from trim_desktop.core import export as export_mod
from trim_desktop.core.errors import OutputError, UsageError
from trim_desktop.core.export import export_mp4
from trim_desktop.core.progress import Cancelled, CancelToken
from trim_desktop.core.remux import export_fast, plan_pieces
from trim_desktop.core.video_out import export_video

FPS, GOP = 30, 10
RANGES = [(1.2, 2.5), (4.1, 5.0), (6.6, 7.3)]


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """8 s, 30 fps, a keyframe every 10 frames, two audio tracks (eng mono, fra stereo)."""
    return make_two_track_video(tmp_path_factory.mktemp("two") / "two.mp4", gop=GOP, fps=FPS)


def frames(path):
    """(seconds from the start, RGB) of every frame, in presentation order."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        start = (vs.start_time or 0) * vs.time_base
        return [
            (float(f.pts * f.time_base - start), f.to_ndarray(format="rgb24")) for f in c.decode(vs)
        ]


def video_seconds(path) -> float:
    times = [t for t, _ in frames(path)]
    return times[-1] + 1 / FPS


def audio_tracks(path):
    """Per audio stream: (language, channels, samples as float (channels, n), rate)."""
    out = []
    with av.open(str(path)) as c:
        n = len(c.streams.audio)
    for k in range(n):
        with av.open(str(path)) as c:
            s = c.streams.audio[k]
            data = np.concatenate([f.to_ndarray() for f in c.decode(s)], axis=1)
            out.append((s.metadata.get("language"), s.layout.nb_channels, data, s.sample_rate))
    return out


def dominant_hz(wave, sr):
    spec = np.abs(np.fft.rfft(wave * np.hanning(len(wave))))
    return np.fft.rfftfreq(len(wave), 1.0 / sr)[int(np.argmax(spec))]


def brand(path) -> bytes:
    return path.read_bytes()[8:12]


# ---------------------------------------------------------------- containers


@pytest.mark.parametrize("mode", ["accurate", "fast"])
def test_the_ending_picks_the_container(two, tmp_path, mode):
    for name, fmt in (("s.mkv", "matroska"), ("s.mov", "mov"), ("s.mp4", "mp4"), ("s.m4v", "mp4")):
        out = export_video(two, [(1.0, 2.0)], tmp_path / name, mode=mode)
        with av.open(str(out)) as c:
            assert fmt in c.format.name.split(","), (name, c.format.name)
            assert c.streams.video
    assert brand(tmp_path / "s.mov") == b"qt  "  # QuickTime, not MP4 under .mov
    assert brand(tmp_path / "s.mp4") != b"qt  "
    assert (tmp_path / "s.mkv").read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # EBML


@pytest.mark.parametrize("kind", ["accurate", "fast", "clips"])
def test_unknown_ending_is_a_usage_error_before_any_work(two, tmp_path, kind, monkeypatch):
    def no_work(*a, **k):
        raise AssertionError("probed the source before refusing the name")

    monkeypatch.setattr(export_mod, "probe", no_work)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(UsageError, match=r"\.mp4, \.m4v, \.mov or \.mkv") as err:
        if kind == "clips":
            export_video(two, [(1.0, 2.0)], out / "clips", clips=True, clip_format="avi")
        else:
            export_video(two, [(1.0, 2.0)], out / "s.avi", mode=kind)
    assert err.value.exit_code == 2
    assert list(out.iterdir()) == []


# ---------------------------------------------------------------- audio tracks


@pytest.mark.parametrize("mode", ["accurate", "fast"])
def test_every_audio_track_kept_in_sync(two, tmp_path, mode):
    out = export_video(two, RANGES, tmp_path / "s.mp4", mode=mode)
    tracks = audio_tracks(out)
    assert [(lang, ch) for lang, ch, _, _ in tracks] == [("eng", 1), ("fra", 2)]
    video_len = video_seconds(out)
    for _lang, _ch, data, sr in tracks:
        assert abs(data.shape[1] / sr - video_len) <= 1 / FPS, (data.shape, video_len)
    if mode == "accurate":
        # output 0-0.8 s is source 1.2-2.0 (scene 0), 0.8-1.3 scene 1; 1.3-2.2 scene 2
        for t0, k in ((0.1, 0), (0.9, 0 + 1), (1.5, 2)):
            (_, _, a, sr), (_, _, b, _) = tracks
            piece = slice(int(t0 * sr), int((t0 + 0.3) * sr))
            assert dominant_hz(a[0, piece], sr) == pytest.approx(220 * (k + 1), abs=15)
            assert dominant_hz(b[1, piece], sr) == pytest.approx(3000 + 500 * k, abs=15)


# ---------------------------------------------------------------- chapters


@pytest.mark.parametrize("name", ["s.mp4", "s.mkv", "s.mov"])
def test_chapters_mark_each_piece_with_its_source_time(two, tmp_path, name):
    pieces = [(1.2, 2.5), (2.5, 3.0), (4.1, 5.0), (66.0 / 10, 7.3)]  # two touch
    out = export_mp4(two, pieces, tmp_path / name)
    with av.open(str(out)) as c:
        chapters = c.chapters()
    assert len(chapters) == 4
    starts = [float(ch["start"] * ch["time_base"]) for ch in chapters]
    assert starts == pytest.approx([0.0, 1.3, 1.8, 2.7], abs=0.002)
    assert [ch["metadata"]["title"] for ch in chapters] == [
        "Piece 1 - 0:01",
        "Piece 2 - 0:02",
        "Piece 3 - 0:04",
        "Piece 4 - 0:06",
    ]
    ends = [float(ch["end"] * ch["time_base"]) for ch in chapters]
    assert ends[-1] == pytest.approx(3.4, abs=0.002)


def test_no_chapters_when_asked(two, tmp_path):
    out = export_mp4(two, RANGES, tmp_path / "s.mkv", chapters=False)
    with av.open(str(out)) as c:
        assert c.chapters() == []


# ---------------------------------------------------------------- clips


@pytest.mark.parametrize("mode", ["accurate", "fast"])
def test_one_clip_per_kept_piece(two, tmp_path, mode):
    pieces = [(1.2, 2.5), (2.5, 3.0), (4.1, 5.0)]
    folder = export_video(two, pieces, tmp_path / "clips", mode=mode, clips=True)
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["piece-01-0m01s.mp4", "piece-02-0m02s.mp4", "piece-03-0m04s.mp4"]
    for name, (a, b) in zip(names, pieces):
        length = video_seconds(folder / name)
        if mode == "accurate":
            assert length == pytest.approx(b - a, abs=1 / FPS)
        else:
            assert b - a - 1e-6 <= length <= b - a + GOP / FPS
        assert len(audio_tracks(folder / name)) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clips"]  # no temp folder left


def test_cancelled_clips_export_leaves_no_folder(two, tmp_path):
    token = CancelToken()

    def progress(p):
        if p.done > 1.5:  # inside the second clip
            token.cancel()

    with pytest.raises(Cancelled):
        export_video(two, RANGES, tmp_path / "clips", clips=True, progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []


def test_failed_clips_export_leaves_no_folder(two, tmp_path, monkeypatch):
    real, calls = export_mod._Exporter.run, {"n": 0}

    def second_fails(self, tmp):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(self, tmp)

    monkeypatch.setattr(export_mod._Exporter, "run", second_fails)
    with pytest.raises(OutputError, match="disk is full"):
        export_video(two, RANGES, tmp_path / "clips", clips=True)
    assert list(tmp_path.iterdir()) == []


def test_clips_never_mix_with_other_files(two, tmp_path):
    folder = tmp_path / "clips"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    for replace in (False, True):
        with pytest.raises(OutputError, match="already holds files"):
            export_video(two, RANGES, folder, clips=True, replace=replace)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clips"]
    # an earlier export's clips are replaced only when asked
    (folder / "notes.txt").unlink()
    export_video(two, RANGES[:2], folder, clips=True)
    with pytest.raises(OutputError):
        export_video(two, RANGES, folder, clips=True, replace=False)
    export_video(two, RANGES, folder, clips=True, replace=True)
    assert len(list(folder.iterdir())) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clips"]


# ---------------------------------------------------------------- fast (stream copy)


def keyframe_times(path):
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        return [p.pts * vs.time_base for p in c.demux(vs) if p.is_keyframe and p.pts is not None]


def test_fast_pieces_start_at_the_keyframe_at_or_before_each_cut(two):
    keys = keyframe_times(two)
    for piece in plan_pieces(two, RANGES):
        a, b = piece.asked
        assert piece.start in keys
        assert a - GOP / FPS < piece.start <= a + 1e-9
        assert b - 1e-9 <= piece.end <= b + 4 / FPS + 1e-9  # B-frame reordering


def test_fast_copies_the_source_frames_from_each_keyframe(two, tmp_path):
    out = export_fast(two, RANGES, tmp_path / "fast.mp4")
    src = dict((round(t, 3), img) for t, img in frames(two))
    got = frames(out)
    pieces = plan_pieces(two, RANGES)
    expected = [
        round(float(p.start) + k / FPS, 3)
        for p in pieces
        for k in range(round(float(p.end - p.start) * FPS))
    ]
    assert len(got) == len(expected)
    for (t, img), src_t in zip(got, expected):
        assert np.array_equal(img, src[src_t]), (t, src_t)  # no re-encoding: identical
    times = [t for t, _ in got]
    assert np.allclose(np.diff(times), 1 / FPS, atol=1e-3)  # one after another, no gap
    with av.open(str(out)) as c:
        starts = [float(ch["start"] * ch["time_base"]) for ch in c.chapters()]
    offsets = np.cumsum([0.0] + [float(p.end - p.start) for p in pieces[:-1]])
    assert starts == pytest.approx(list(offsets), abs=0.002)


def test_fast_is_at_least_the_accurate_length_and_within_a_gop_per_piece(two, tmp_path):
    accurate = video_seconds(export_mp4(two, RANGES, tmp_path / "a.mp4"))
    fast = video_seconds(export_fast(two, RANGES, tmp_path / "f.mp4"))
    assert accurate - 1e-6 <= fast <= accurate + len(RANGES) * GOP / FPS


def test_fast_keeps_rotation(tmp_path):
    from trim_desktop.core.decode import probe

    src = make_video(
        tmp_path / "r.mp4", duration=3.0, size=(96, 64), rotation=90, codec_options={"g": "15"}
    )
    out = export_fast(src, [(1.0, 2.0)], tmp_path / "f.mkv")
    assert probe(out).rotation == 90


def test_fast_refuses_a_codec_the_container_cannot_hold(tmp_path):
    try:
        src = make_video(
            tmp_path / "v.mkv",
            duration=2.0,
            size=(96, 64),
            audio_codec="libopus",
            audio_rate=48000,
            codec_options={"g": "10"},
        )
    except (av.error.FFmpegError, ValueError):
        pytest.skip("this PyAV has no Opus encoder")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(OutputError, match=r"opus cannot be copied into \.mov; use \.mkv") as err:
        export_fast(src, [(0.5, 1.5)], out / "f.mov")  # QuickTime takes no Opus
    assert "\n" not in str(err.value) and "partial" not in str(err.value)
    assert list(out.iterdir()) == []
    assert len(frames(export_fast(src, [(0.5, 1.5)], out / "f.mkv"))) >= 30


def test_accurate_is_still_the_default(two, tmp_path):
    out = export_video(two, [(1.2, 2.5)], tmp_path / "d.mp4")
    times = [t for t, _ in frames(out)]
    assert len(times) == 39 and times[0] == pytest.approx(0.0)


def test_fast_on_a_file_without_timestamps_says_so_and_leaves_nothing(tmp_path):
    from tests.robustness.odd_media import make_raw_h264
    from trim_desktop.core.errors import InputVideoError

    src = make_raw_h264(tmp_path / "raw.h264")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(InputVideoError, match="accurate export") as err:
        export_fast(src, [(0.5, 1.5)], out / "f.mp4")
    assert "\n" not in str(err.value) and list(out.iterdir()) == []


def test_cancelled_fast_export_leaves_nothing(two, tmp_path):
    token = CancelToken()

    def progress(p):
        if p.done > 1.0:
            token.cancel()

    with pytest.raises(Cancelled):
        export_fast(two, RANGES, tmp_path / "f.mp4", progress=progress, cancel=token)
    assert list(tmp_path.iterdir()) == []
