"""Synthetic test videos, made with PyAV so tests need no ffmpeg binary.

Each scene has its own colour, pattern and tone, so features, KTS and audio sync can be
checked against known boundaries: scene k covers [k*scene_s, (k+1)*scene_s).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SCENE_COLOURS = [
    (220, 40, 40),
    (40, 200, 60),
    (40, 80, 230),
    (230, 210, 40),
    (200, 60, 200),
    (40, 210, 210),
    (240, 140, 30),
    (120, 120, 120),
]


def scene_frame(scene: int, t: float, width: int, height: int) -> np.ndarray:
    """One RGB frame of scene ``scene`` at time ``t`` (seconds within the video)."""
    r, g, b = SCENE_COLOURS[scene % len(SCENE_COLOURS)]
    img = np.empty((height, width, 3), np.uint8)
    img[...] = (r, g, b)
    yy, xx = np.ogrid[0:height, 0:width]  # broadcast: cheap even at 4K
    kind = scene % 4
    if kind == 0:  # moving vertical stripes
        mask = ((xx + int(t * 40)) // 16) % 2 == 0
    elif kind == 1:  # checkerboard
        mask = ((xx // 24) + (yy // 24)) % 2 == 0
    elif kind == 2:  # moving circle
        cx = int((0.2 + 0.6 * ((t * 0.3) % 1.0)) * width)
        mask = (xx - cx) ** 2 + (yy - height // 2) ** 2 < (min(width, height) // 5) ** 2
    else:  # horizontal bands
        mask = ((yy + int(t * 30)) // 20) % 2 == 0
    mask = np.broadcast_to(mask, (height, width))
    img[mask] = (255 - r, 255 - g, 255 - b)
    return img


def make_video(
    path: Path | str,
    duration: float = 6.0,
    fps: int = 30,
    size=(320, 240),
    scene_s: float = 2.0,
    audio: bool = True,
    codec: str = "libx264",
    pix_fmt: str = "yuv420p",
    rotation: int = 0,
    vfr: bool = False,
    container_options: dict | None = None,
    marker: bool = False,
    bit_rate: int | None = None,
    codec_options: dict | None = None,
    audio_codec: str = "aac",
    audio_rate: int = 44100,
) -> Path:
    """Write a test video and return its path.

    ``vfr`` alternates frame durations of 1/fps and 2/fps (true variable frame rate).
    ``rotation`` writes a display-matrix rotation (as phones do): degrees clockwise that
    a player turns the stored frames to show them upright (mp4/mov only).
    ``marker`` paints a white square in the stored frame's top-left corner, so tests can
    see where rotation moved it.
    """
    path = Path(path)
    width, height = size
    out = av.open(str(path), "w", options=container_options or {})
    vs = out.add_stream(codec, rate=fps, options=codec_options or {})
    vs.width, vs.height, vs.pix_fmt = width, height, pix_fmt
    if bit_rate:
        vs.bit_rate = bit_rate
    # one tick per frame for constant rate (as cameras write; AVI needs it), finer for VFR
    ticks = 2 if vfr else 1
    vs.time_base = vs.codec_context.time_base = Fraction(1, fps * ticks)
    if rotation:
        # FFmpeg 7 ignores the old "rotate" tag; write a real display matrix instead.
        # ``rotation`` is clockwise (the phone convention); PyAV's helper takes
        # counter-clockwise degrees.
        vs.set_display_rotation(-rotation)
    a_stream = None
    sr = audio_rate
    if audio:
        a_stream = out.add_stream(audio_codec, rate=sr)
        a_stream.layout = "mono"
    # video: times come from the integer tick counter (t = pts / (fps * ticks), i.e.
    # i / fps at a constant rate), never from a running float sum, which drifts and put
    # scene cuts one frame late.
    pts = 0
    i = 0
    t = 0.0
    while t < duration - 1e-9:
        scene = int(t // scene_s)
        img = scene_frame(scene, t, width, height)
        if marker:
            img[: height // 4, : width // 4] = 255
        frame = av.VideoFrame.from_ndarray(img, format="rgb24")
        frame = frame.reformat(format=pix_fmt)
        frame.pts = int(pts)
        for packet in vs.encode(frame):
            out.mux(packet)
        step = 2 if (vfr and i % 2 == 1) else 1  # in units of 1/fps
        pts += ticks * step
        t = pts / (fps * ticks)
        i += 1
    for packet in vs.encode():
        out.mux(packet)
    # audio: a tone per scene, so cuts are audible and measurable
    if a_stream is not None:
        n = int(round(duration * sr))
        ts = np.arange(n) / sr
        freqs = 220.0 * (1.0 + (ts // scene_s) % 5)
        wave = (0.3 * np.sin(2 * np.pi * freqs * ts)).astype(np.float32)
        chunk = 1024
        for start in range(0, n, chunk):
            piece = wave[start : start + chunk]
            af = av.AudioFrame.from_ndarray(piece[None, :], format="fltp", layout="mono")
            # encoders wanting another sample format resample inside PyAV
            af.sample_rate = sr
            af.pts = start
            af.time_base = Fraction(1, sr)
            for packet in a_stream.encode(af):
                out.mux(packet)
        for packet in a_stream.encode():
            out.mux(packet)
    out.close()
    return path


# ---------------------------------------------------------------- awkward inputs
# Helpers for tests/robustness: damaged, disguised and unusual files built from the
# generator above (or from scratch), small enough to make in milliseconds.


def make_static_video(
    path: Path | str, duration: float = 200.0, fps: int = 1, size=(320, 240), audio: bool = False
) -> Path:
    """A video whose every frame is the same picture (a camera left on a tripod)."""
    path = Path(path)
    width, height = size
    out = av.open(str(path), "w")
    vs = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast"})
    vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
    vs.time_base = vs.codec_context.time_base = Fraction(1, fps)
    img = scene_frame(1, 0.0, width, height)
    n = int(round(duration * fps))
    for i in range(n):
        frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")
        frame.pts = i
        for packet in vs.encode(frame):
            out.mux(packet)
    for packet in vs.encode():
        out.mux(packet)
    if audio:
        _silence(out, duration)
    out.close()
    return path


def _silence(out, duration: float, sr: int = 44100) -> None:
    a = out.add_stream("aac", rate=sr)
    a.layout = "mono"
    n = int(round(duration * sr))
    for start in range(0, n, 1024):
        m = min(1024, n - start)
        af = av.AudioFrame.from_ndarray(np.zeros((1, m), np.float32), format="fltp", layout="mono")
        af.sample_rate, af.pts, af.time_base = sr, start, Fraction(1, sr)
        for packet in a.encode(af):
            out.mux(packet)
    for packet in a.encode():
        out.mux(packet)


def make_audio_only(path: Path | str, duration: float = 2.0, sr: int = 44100) -> Path:
    """An .mp4 with one AAC stream and no picture at all (a podcast, a voice memo)."""
    path = Path(path)
    out = av.open(str(path), "w", format="mp4")
    a = out.add_stream("aac", rate=sr)
    a.layout = "mono"
    n = int(round(duration * sr))
    ts = np.arange(n) / sr
    wave = (0.3 * np.sin(2 * np.pi * 440.0 * ts)).astype(np.float32)
    for start in range(0, n, 1024):
        af = av.AudioFrame.from_ndarray(
            wave[None, start : start + 1024], format="fltp", layout="mono"
        )
        af.sample_rate, af.pts, af.time_base = sr, start, Fraction(1, sr)
        for packet in a.encode(af):
            out.mux(packet)
    for packet in a.encode():
        out.mux(packet)
    out.close()
    return path


def make_image_file(path: Path | str, fmt: str = ".png", size=(320, 240)) -> Path:
    """A still picture (PNG or JPEG bytes) under whatever name ``path`` has, e.g. x.mp4."""
    import cv2

    path = Path(path)
    ok, buf = cv2.imencode(fmt, scene_frame(0, 0.0, size[0], size[1])[:, :, ::-1])
    assert ok
    path.write_bytes(buf.tobytes())
    return path


def truncate_copy(src: Path | str, dst: Path | str, fraction: float = 0.5) -> Path:
    """The first ``fraction`` of ``src``'s bytes (an interrupted download or copy)."""
    data = Path(src).read_bytes()
    dst = Path(dst)
    dst.write_bytes(data[: max(1, int(len(data) * fraction))])
    return dst


def corrupt_copy(
    src: Path | str, dst: Path | str, at=(0.35, 0.5, 0.65), length: int = 3000, seed: int = 0
) -> Path:
    """``src`` with ``length`` random bytes written over the data at each fraction of
    the file (bad sectors, a broken transfer): the container is intact, some frames are not.
    Assumes the index (moov) sits at the end, as make_video writes it."""
    data = bytearray(Path(src).read_bytes())
    rng = np.random.default_rng(seed)
    moov = data.rfind(b"moov")
    limit = moov - 8 if moov > 0 else len(data)
    for f in at:
        start = int(len(data) * f)
        end = min(start + length, limit)
        if end > start:
            data[start:end] = rng.integers(0, 256, end - start, dtype=np.uint8).tobytes()
    dst = Path(dst)
    dst.write_bytes(bytes(data))
    return dst


def cut_with_edit_list(src: Path | str, dst: Path | str, cut_s: float) -> Path:
    """Copy ``src``'s video from ``cut_s`` on without re-encoding, as trimming tools do:
    the packets from the keyframe before the cut stay in the file, and an mp4 edit list
    hides the ones before the cut (their frames decode as references but are not shown)."""
    dst = Path(dst)
    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        ivs = inp.streams.video[0]
        ovs = out.add_stream_from_template(ivs)
        cut = int(cut_s / ivs.time_base)
        packets = [p for p in inp.demux(ivs) if p.dts is not None]
        first = max(p.pts for p in packets if p.is_keyframe and p.pts <= cut)
        started = False
        for p in packets:
            started = started or (p.is_keyframe and p.pts == first)
            if started:
                p.pts -= cut
                p.dts -= cut
                p.stream = ovs
                out.mux(p)
    return dst


def all_frames(path: Path | str) -> list:
    """Every decoded frame of ``path`` as (seconds from the start, RGB array), decoded the
    plain PyAV way: what the samplers' frames are checked against."""
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        start = (vs.start_time or 0) * vs.time_base
        return [
            (float(f.pts * f.time_base - start), f.to_ndarray(format="rgb24")) for f in c.decode(vs)
        ]


def make_two_track_video(
    path: Path | str,
    duration: float = 8.0,
    fps: int = 30,
    size=(96, 64),
    scene_s: float = 2.0,
    gop: int = 10,
    sr: int = 44100,
) -> Path:
    """A short-GOP video (a keyframe every ``gop`` frames, B-frames as x264 makes them)
    with two audio tracks: track 0 mono, scene k a (220 * (k+1)) Hz tone, language
    "eng"; track 1 stereo, scene k a (3000 + 500 k) Hz tone, language "fra"."""
    path = Path(path)
    width, height = size
    out = av.open(str(path), "w")
    vs = out.add_stream(
        "libx264", rate=fps, options={"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0"}
    )
    vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
    vs.time_base = vs.codec_context.time_base = Fraction(1, fps)
    tracks = []
    for layout, lang in (("mono", "eng"), ("stereo", "fra")):
        a = out.add_stream("aac", rate=sr)
        a.layout = layout
        a.metadata["language"] = lang
        tracks.append(a)
    n_frames = int(round(duration * fps))
    for i in range(n_frames):
        t = i / fps
        frame = av.VideoFrame.from_ndarray(
            scene_frame(int(t // scene_s), t, width, height), format="rgb24"
        ).reformat(format="yuv420p")
        frame.pts = i
        for packet in vs.encode(frame):
            out.mux(packet)
    for packet in vs.encode():
        out.mux(packet)
    n = int(round(duration * sr))
    ts = np.arange(n) / sr
    scene = ts // scene_s
    waves = [
        (0.3 * np.sin(2 * np.pi * 220.0 * (1 + scene % 5) * ts)).astype(np.float32),
        (0.3 * np.sin(2 * np.pi * (3000.0 + 500 * (scene % 5)) * ts)).astype(np.float32),
    ]
    for a, wave in zip(tracks, waves):
        channels = a.layout.nb_channels
        for start in range(0, n, 1024):
            piece = np.repeat(wave[None, start : start + 1024], channels, axis=0)
            af = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(piece), format="fltp", layout=a.layout.name
            )
            af.sample_rate, af.pts, af.time_base = sr, start, Fraction(1, sr)
            for packet in a.encode(af):
                out.mux(packet)
        for packet in a.encode():
            out.mux(packet)
    out.close()
    return path
