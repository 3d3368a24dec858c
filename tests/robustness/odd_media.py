"""Odd inputs of the second robustness round (issue 21), made with PyAV at test time:
long-GOP MPEG-TS, a Matroska file whose timestamps start below zero, a raw H.264
elementary stream, an MP3 with cover art. Tiny (64x48, a few seconds) so each takes
well under a second to make."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SIZE = (64, 48)


def _frame(i: int, fps: int, width: int, height: int) -> av.VideoFrame:
    """A moving bar on a colour that changes every second (so features differ)."""
    img = np.zeros((height, width, 3), np.uint8)
    img[...] = ((i // fps) * 60 % 256, 120, 200 - (i // fps) * 30 % 200)
    x = (i * 2) % width
    img[:, x : x + 6] = 255
    return av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuv420p")


def _tone_packets(stream, duration: float, sr: int, chunk: int):
    """Encoded packets of a 330 Hz mono tone, ``chunk`` samples a frame, then the flush."""
    t = np.arange(int(round(duration * sr))) / sr
    wave = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    for start in range(0, len(wave), chunk):
        af = av.AudioFrame.from_ndarray(
            wave[None, start : start + chunk], format="fltp", layout="mono"
        )
        af.sample_rate, af.pts, af.time_base = sr, start, Fraction(1, sr)
        yield from stream.encode(af)
    yield from stream.encode()


def make_clip(
    path,
    fmt: str,
    duration: float = 4.0,
    fps: int = 25,
    audio: bool = True,
    gop: int | None = None,
    offset_s: float = 0.0,
    container_options: dict | None = None,
    frame_pts: list[int] | None = None,
) -> Path:
    """H.264 (+ AAC) in container ``fmt``; ``gop`` frames between key frames (None:
    x264's default, 250, and no scene-cut key frames); every timestamp shifted by
    ``offset_s`` seconds (negative: a file that starts before zero, like ffmpeg's
    ``-output_ts_offset -1.5``); ``frame_pts``: the frames' timestamps in 1/fps
    (default 0, 1, 2, ...)."""
    path = Path(path)
    width, height = SIZE
    out = av.open(str(path), "w", format=fmt, options=container_options or {})
    params = "scenecut=0" + (f":keyint={gop}:min-keyint={gop}" if gop else ":keyint=250")
    vs = out.add_stream("libx264", rate=fps, options={"preset": "ultrafast", "x264-params": params})
    vs.width, vs.height, vs.pix_fmt = width, height, "yuv420p"
    vs.time_base = vs.codec_context.time_base = Fraction(1, fps)
    a_stream = None
    sr = 44100
    if audio:
        a_stream = out.add_stream("aac", rate=sr)
        a_stream.layout = "mono"

    def mux(stream, packets):
        for p in packets:
            if offset_s and p.pts is not None:
                shift = int(round(Fraction(offset_s) / p.time_base))
                p.pts += shift
                if p.dts is not None:
                    p.dts += shift
            out.mux(p)

    for i, pts in enumerate(frame_pts or range(int(round(duration * fps)))):
        f = _frame(i, fps, width, height)
        f.pts = pts
        mux(vs, vs.encode(f))
    mux(vs, vs.encode())
    if a_stream is not None:
        mux(a_stream, _tone_packets(a_stream, duration, sr, 1024))
    out.close()
    return path


def make_raw_h264(path, duration: float = 4.0, fps: int = 25) -> Path:
    """An H.264 elementary stream (.h264): no container, no timestamps, no duration."""
    return make_clip(path, "h264", duration=duration, fps=fps, audio=False, gop=fps)


def make_mp3_with_cover(path, duration: float = 3.0) -> Path:
    """An MP3 song with an attached picture (album art), as music players keep them."""
    path = Path(path)
    out = av.open(str(path), "w", format="mp3")
    sr = 44100
    a = out.add_stream("libmp3lame", rate=sr)
    a.layout = "mono"
    pic = out.add_stream("mjpeg", rate=1)
    pic.width, pic.height, pic.pix_fmt = 64, 64, "yuvj420p"
    pic.disposition = av.stream.Disposition.attached_pic
    img = np.full((64, 64, 3), (200, 30, 30), np.uint8)
    f = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuvj420p")
    f.pts = 0
    for p in list(pic.encode(f)) + list(pic.encode()):
        out.mux(p)
    for p in _tone_packets(a, duration, sr, 1152):  # (MP3 frames hold 1152 samples)
        out.mux(p)
    out.close()
    return path


def make_gappy(path, fps: int = 25) -> Path:
    """One second of frames, a 4 s gap with no frame (a screen recording standing
    still), one more second: a variable-rate file whose middle is legitimately empty."""
    return make_clip(
        path,
        "mp4",
        audio=False,
        fps=fps,
        frame_pts=list(range(fps)) + list(range(5 * fps, 6 * fps)),
    )
