"""Reading videos: ``probe()`` for metadata and ``iter_samples()`` for sampled frames.

Everything goes through PyAV (libavformat/libavcodec), so any container and codec that
FFmpeg reads works: mp4/mkv/mov/avi/webm with H.264, HEVC, VP9, MPEG-4 and more.

Time convention shared with ``export``: a frame's time is its presentation timestamp in
seconds minus the video stream's start time (:func:`stream_start`), so the first frame
is at 0.0 even in files whose timestamps start elsewhere.

Rotation convention: ``VideoInfo.rotation`` is the clockwise angle (0/90/180/270) a
player turns the stored frames to show them upright, the angle of the old mp4 "rotate"
tag. FFmpeg's display matrix reads counter-clockwise, hence the sign flip below.
"""
from __future__ import annotations

import bisect
import logging
import math
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Iterator, Optional

import av
import numpy as np

from .cpus import available_cpus
from .errors import InputVideoError
from .progress import CancelToken, check

log = logging.getLogger(__name__)

_EPS = 1e-6
"""Tolerance (seconds) when comparing a frame time with a sampling instant."""


@dataclass(frozen=True)
class VideoInfo:
    """What the rest of the pipeline needs to know about a video file."""

    path: str
    duration: float
    fps: float
    n_frames: int
    width: int
    height: int
    rotation: int
    has_audio: bool
    video_codec: str
    audio_codec: Optional[str]


@dataclass(frozen=True)
class SampledFrame:
    """One sampled frame: its index among the shown frames (presentation order), seconds
    from the start, upright RGB image."""

    index: int
    time: float
    image: np.ndarray


# ---------------------------------------------------------------- opening / errors

def _name(path) -> str:
    return Path(path).name or str(path)


def _fail(path, why: str) -> InputVideoError:
    return InputVideoError(f"Cannot read '{_name(path)}': {why}")


def open_input(path) -> "av.container.InputContainer":
    """Open ``path`` for reading or raise :class:`InputVideoError` with a one-line reason."""
    p = Path(path)
    if not p.exists():
        raise _fail(path, "file not found")
    if p.is_dir():
        raise _fail(path, "is a folder, not a video file")
    if p.stat().st_size == 0:
        raise _fail(path, "the file is empty (0 bytes)")
    try:
        container = av.open(str(p), "r")
    except PermissionError:
        raise _fail(path, "permission denied") from None
    except (av.error.FFmpegError, OSError, ValueError) as err:
        raise _fail(path, f"not a readable video file ({_short(err)})") from None
    if not container.streams.video:
        container.close()
        raise _fail(path, "not a video file (no video stream)")
    fmt = getattr(container.format, "name", "") or ""
    if fmt == "image2" or fmt.endswith("_pipe"):  # png_pipe, jpeg_pipe...: a picture
        container.close()
        raise _fail(path, f"it is a still image ({fmt.replace('_pipe', '').upper()}), "
                          "not a video")
    return container


def _short(err: BaseException) -> str:
    """First line of an FFmpeg error, without the file name it repeats."""
    text = getattr(err, "strerror", None) or str(err)
    return str(text).splitlines()[0].strip() or type(err).__name__


def video_stream(container):
    """The stream we summarise: the first video stream that is not a cover picture."""
    for s in container.streams.video:
        if not s.disposition & getattr(av.stream.Disposition, "attached_pic", 1 << 10):
            return s
    return container.streams.video[0]


def stream_start(stream) -> Fraction:
    """Start time of ``stream`` in seconds (0 when the container does not say)."""
    if stream.start_time is None or stream.time_base is None:
        return Fraction(0)
    return stream.start_time * stream.time_base


def decoder_threads() -> int:
    """One decoding thread per core this process may use.

    libavcodec's own choice ("0") is one more than the cores; on the 2-core machine 2
    threads decode the 10-min synthetic file 15-20 % faster than 3, alone and beside the
    inference thread, and real footage equally fast (docs/benchmarks.md). One thread in
    total was 22 % slower on real footage.
    """
    return available_cpus()


def enable_threads(stream) -> None:
    """Let libavcodec decode with frame/slice threads (big speed-up, order unchanged)."""
    try:
        stream.thread_type = "AUTO"
        stream.thread_count = decoder_threads()
    except (AttributeError, ValueError):
        pass


# ---------------------------------------------------------------- decoding

def decode_frames(container, stream, stats: Optional[dict] = None):
    """Yield decoded frames of ``stream`` in presentation order, skipping bad packets.

    PyAV's demux ends with empty packets whose decode() drains the decoder, so the
    last frames come out too. Corrupt packets (and a truncated tail) are counted in ``stats["errors"]`` instead of
    stopping the decode: one broken packet should not lose a whole video.
    """
    stats = stats if stats is not None else {}
    stats.setdefault("errors", 0)
    for packet in _packets(container, stream, stats):
        yield from _decode(container, packet, stats)
    _report_errors(container, stats)


def _packets(container, stream, stats: dict):
    """Demuxed packets of ``stream``; a demux error ends the stream (counted)."""
    packets = container.demux(stream)
    while True:
        try:
            yield next(packets)
        except StopIteration:
            return
        except (av.error.FFmpegError, OSError) as err:
            stats["errors"] += 1
            log.warning("demux error in %s: %s", container.name, _short(err))
            return


def _decode(container, packet, stats: dict) -> list:
    """The frames one packet completes; none (counted) when it is corrupt."""
    try:
        return packet.decode()
    except (av.error.FFmpegError, OSError, ValueError) as err:
        stats["errors"] += 1
        if stats["errors"] <= 3:
            log.warning("skipping corrupt packet in %s: %s", container.name, _short(err))
        return []


def _report_errors(container, stats: dict) -> None:
    if stats["errors"]:
        log.warning("%s: skipped %d corrupt packet(s)", container.name, stats["errors"])


SKIPPABLE_CODECS = frozenset({"h264", "hevc"})
"""Decoders that honour ``skip_frame = NONREF`` (drop a frame no other frame refers to)."""
TIMESTAMPED_FORMATS = frozenset({"mov", "mp4", "matroska", "webm", "mpegts"})
"""Containers whose packets carry presentation timestamps (AVI, raw streams: no)."""

_LOOKAHEAD = 48
"""Packets demuxed ahead of the decoder: more than any H.264/HEVC reordering depth (16),
so a packet's presentation-order neighbours are known when it is fed."""
_PTS_WINDOW = 512
"""Recent packet timestamps kept (sorted) to find neighbours and presentation ranks."""


class _SamplingPlan:
    """Which packets may hold a sampled frame, and each frame's presentation index.

    Decoding only what is sampled: a frame is sampled when a sampling instant k/rate
    falls in (previous frame, this frame], and both times are packet timestamps, known
    before decoding. A packet that cannot be sampled is fed with ``skip_frame = NONREF``:
    the decoder still decodes it when another frame refers to it and drops it otherwise
    (x264 files: 15-18 % of frames, ~10-15 % of the decode time). Sampled frames are
    bit-identical (tested); neighbours not yet demuxed only widen the interval, so a
    sampled frame is never skipped.

    Only for H.264/HEVC in containers with presentation timestamps; there the index of a
    frame is the rank of its timestamp among the packets (= the count of frames before
    it in well-formed files). Elsewhere nothing is skipped and frames are counted.
    A decoded frame whose timestamp no packet had stops the skipping for the rest.
    """

    _NOISE = 1e-9  # seconds: float rounding, far below any frame spacing

    def __init__(self, container, stream, rate: float, floor: Optional[int] = None,
                 ceiling: Optional[int] = None):
        self.rate = rate
        # One chunk of a parallel decode (video_chunks) owns the timestamps in
        # [floor, ceiling): frames outside are neither wanted nor ranked.
        self.floor, self.ceiling = floor, ceiling
        self.beyond = 0          # packets seen at or after the ceiling
        self.tb = stream.time_base
        self.start = stream_start(stream)
        self.window: list = []   # sorted pts of recent packets
        self.dropped = 0         # pts that left the window (all earlier than those kept)
        self.last_index = -1
        fmt = set((getattr(container.format, "name", "") or "").split(","))
        self.ranked = (stream.codec_context.name in SKIPPABLE_CODECS and self.tb is not None
                       and bool(fmt & TIMESTAMPED_FORMATS))
        self.skipping = self.ranked

    def seen(self, packet) -> None:
        """Record a demuxed packet's timestamp (call in demux order, ahead of decoding)."""
        if not self.ranked or packet.is_discard:  # (before an edit list's start: never shown)
            return
        if packet.pts is None:
            if packet.size:             # (the empty packet at the end only flushes)
                self.skipping = False   # no timestamp: cannot plan around this one
            return
        if self.floor is not None and packet.pts < self.floor:
            return                      # (a leading picture of the previous chunk)
        if self.ceiling is not None and packet.pts >= self.ceiling:
            self.beyond += 1
        bisect.insort(self.window, packet.pts)
        if len(self.window) > _PTS_WINDOW:
            self.window.pop(0)
            self.dropped += 1

    def outside(self, pts) -> bool:
        """True for a timestamp another chunk owns (never with a whole-file plan)."""
        return pts is not None and (
            (self.floor is not None and pts < self.floor)
            or (self.ceiling is not None and pts >= self.ceiling))

    def finished(self) -> bool:
        """A chunk has demuxed so far past its ceiling that no frame of its own can come
        (a safety stop: the sampler normally stops at its first frame past the ceiling)."""
        return self.ceiling is not None and self.beyond > _LOOKAHEAD + 32

    def count_below(self, pts: int) -> int:
        """Packets seen (and owned) with a timestamp below ``pts``."""
        return self.dropped + bisect.bisect_left(self.window, pts)

    def may_sample(self, packet) -> bool:
        """False only when no sampling instant can fall on this packet's frame."""
        if self.outside(packet.pts):
            return False
        if not self.skipping or packet.pts is None:
            return True
        i = bisect.bisect_left(self.window, packet.pts)
        if i == 0:
            return True
        t = float(packet.pts * self.tb - self.start)
        before = float(self.window[i - 1] * self.tb - self.start)
        # _sample_stream gives instant k to the first frame with time + _EPS >= k / rate,
        # so this frame can only take instants in (before + _EPS / rate, t + _EPS]
        # (the lower end is the sampler's when ``before`` was sampled); widened by float noise.
        low = before + min(_EPS, _EPS / self.rate) - self._NOISE
        first = math.floor(low * self.rate) + 1
        return first <= (t + _EPS + self._NOISE) * self.rate

    def index(self, frame) -> int:
        """Presentation index of a decoded frame (strictly increasing); -1 for a frame
        another chunk owns."""
        if self.outside(frame.pts):
            return -1
        rank = self.last_index + 1
        if self.ranked and frame.pts is not None:
            i = bisect.bisect_left(self.window, frame.pts)
            if i < len(self.window) and self.window[i] == frame.pts:
                rank = self.dropped + i
            elif self.skipping:
                self.skipping = False
                log.info("frame time %s matches no packet: decoding every frame", frame.pts)
        self.last_index = max(rank, self.last_index + 1)
        return self.last_index


def decode_planned(container, stream, plan: _SamplingPlan, stats: Optional[dict] = None):
    """Yield ``(index, frame)`` like :func:`decode_frames`, skipping unsampled
    non-reference frames when ``plan`` allows (see :class:`_SamplingPlan`)."""
    stats = stats if stats is not None else {}
    stats.setdefault("errors", 0)
    stats.setdefault("skippable", 0)
    ctx = stream.codec_context
    ahead: deque = deque()
    for packet in _packets(container, stream, stats):
        plan.seen(packet)
        if plan.finished():
            return
        ahead.append(packet)
        if len(ahead) > _LOOKAHEAD:
            yield from _decode_as_planned(container, ctx, plan, ahead.popleft(), stats)
    while ahead:
        yield from _decode_as_planned(container, ctx, plan, ahead.popleft(), stats)
    _report_errors(container, stats)


def _decode_as_planned(container, ctx, plan: _SamplingPlan, packet, stats: dict):
    wanted = plan.may_sample(packet)
    stats["skippable"] += not wanted
    mode = "DEFAULT" if wanted else "NONREF"
    if ctx.skip_frame != mode:  # (also back to DEFAULT when planning stops)
        ctx.skip_frame = mode
    for frame in _decode(container, packet, stats):
        yield plan.index(frame), frame


def frame_seconds(frame, start: Fraction, last: Optional[float], fps: float) -> float:
    """Presentation time of ``frame`` in seconds from ``start``.

    Frames without a timestamp (rare, broken files) get the previous time + 1/fps.
    """
    if frame.pts is None or frame.time_base is None:
        return 0.0 if last is None else last + 1.0 / max(fps, 1e-3)
    return float(frame.pts * frame.time_base - start)


def display_rotation(frame) -> int:
    """Clockwise rotation (0/90/180/270) from a decoded frame's display matrix."""
    try:
        ccw = frame.rotation
    except Exception:  # noqa: BLE001 - no side data API / no matrix means upright
        return 0
    if not ccw:
        return 0
    return int(round(-float(ccw) / 90.0)) * 90 % 360


def rotate_image(img: np.ndarray, rotation: int) -> np.ndarray:
    """Turn an HxWx3 image ``rotation`` degrees clockwise (a contiguous copy)."""
    k = {0: 0, 90: -1, 180: 2, 270: 1}[rotation % 360]
    return np.ascontiguousarray(np.rot90(img, k)) if k else img


def to_rgb(frame, rotation: int, size: Optional[tuple] = None) -> np.ndarray:
    """Convert one decoded frame to an upright RGB array; ``size`` is the upright (w, h).

    Resizing happens inside libswscale during the colour conversion, which costs
    almost nothing extra.
    """
    if size is None:
        img = frame.to_ndarray(format="rgb24")
    else:
        w, h = int(size[0]), int(size[1])
        if rotation in (90, 270):
            w, h = h, w
        img = frame.reformat(width=w, height=h, format="rgb24").to_ndarray()
    return rotate_image(img, rotation)


# ---------------------------------------------------------------- probe

def probe(path) -> VideoInfo:
    """Read the metadata and decode the first frame (to prove the video is usable)."""
    container = open_input(path)
    try:
        vs = video_stream(container)
        enable_threads(vs)
        first = _first_frame(container, vs, path)
        rotation = display_rotation(first)
        width = vs.codec_context.width or first.width
        height = vs.codec_context.height or first.height
        if rotation in (90, 270):
            width, height = height, width
        duration = _duration(container, vs)
        fps = _fps(vs, duration)
        n_frames = _frame_count(vs, duration, fps)
        audio = container.streams.audio[0] if container.streams.audio else None
        return VideoInfo(
            path=str(path), duration=duration, fps=fps, n_frames=n_frames,
            width=int(width), height=int(height), rotation=rotation,
            has_audio=audio is not None,
            video_codec=vs.codec_context.name,
            audio_codec=audio.codec_context.name if audio is not None else None,
        )
    finally:
        container.close()


def _first_frame(container, vs, path):
    for frame in decode_frames(container, vs):
        return frame
    raise _fail(path, "no decodable video frame (corrupt or truncated file)")


def _duration(container, vs) -> float:
    """Video duration in seconds: the stream's own, else the container's."""
    if vs.duration and vs.time_base:
        return float(vs.duration * vs.time_base)
    if container.duration:
        return float(container.duration) / av.time_base - float(stream_start(vs))
    if vs.frames and vs.average_rate:
        return float(vs.frames / vs.average_rate)
    return 0.0


def _frame_count(vs, duration: float, fps: float) -> int:
    """Frames shown: the container's count, unless it holds more frames than the duration
    shows (an mp4 cut without re-encoding keeps hidden frames before its edit list)."""
    shown = max(1, int(round(duration * fps))) if duration > 0 else 0
    if vs.frames and (not shown or vs.frames <= shown * 1.02 + 2):
        return int(vs.frames)
    return shown or 1


def _fps(vs, duration: float) -> float:
    """Average frame rate; guessed from the frame count when the container lacks it."""
    for rate in (vs.average_rate, vs.guessed_rate, vs.base_rate):
        if rate and 0 < float(rate) < 1000:
            return float(rate)
    if vs.frames and duration > 0:
        return vs.frames / duration
    return 25.0


# ---------------------------------------------------------------- sampling

def iter_samples(path, rate: float = 2.0, size: Optional[tuple] = None,
                 cancel: Optional[CancelToken] = None,
                 convert_workers: int = 0, workers: int = 1,
                 chunk_seconds: Optional[float] = None,
                 nvdec_device=None) -> Iterator[SampledFrame]:
    """Yield the first frame at or after each k/rate seconds (k = 0, 1, 2, ...).

    Works on presentation time, so variable-frame-rate video samples evenly. When one
    frame covers several instants (a long VFR frame) it is yielded once, for the first.
    Only sampled frames are converted to RGB. ``convert_workers`` > 1 converts (and resizes) the sampled
    frames in that many threads while decoding goes on (many-core machines, where the
    conversion would otherwise run in turn with the decoder); order is kept.
    ``workers`` > 1 decodes stretches between keyframes side by side where the file
    allows (:mod:`.video_chunks`; same samples, ``chunk_seconds`` long for tests), on
    the GPU's video decoders when ``nvdec_device`` is a CUDA device they work on
    (:mod:`.nvdec`; same samples again).
    """
    if rate <= 0:
        raise ValueError("rate must be positive")
    if workers > 1:
        from . import video_chunks  # (it builds on this module)
        decoders = workers
        if nvdec_device is not None:
            from . import nvdec  # (imports torch: GPU runs only)
            decoders = nvdec.decoder_count(nvdec_device, workers)
        chunks = video_chunks.plan_chunks(path, rate, decoders, chunk_seconds)
        if chunks:
            sources = (nvdec.frame_sources(path, nvdec_device, workers)
                       if nvdec_device is not None else None)
            yield from video_chunks.iter_chunked_samples(path, chunks, rate, size, cancel,
                                                         workers, sources=sources)
            return
    container = open_input(path)
    try:
        vs = video_stream(container)
        enable_threads(vs)
        if convert_workers > 1:
            with ThreadPoolExecutor(convert_workers, thread_name_prefix="trim-convert") as pool:
                yield from _sample_stream(container, vs, path, float(rate), size, cancel,
                                          pool, 2 * convert_workers)
        else:
            yield from _sample_stream(container, vs, path, float(rate), size, cancel)
    finally:
        container.close()


def is_sampled(t: float, k: int, rate: float) -> bool:
    """The sampling rule: a frame at ``t`` seconds takes instant ``k / rate`` (the first
    one not yet taken) when it is at or after it, 1 microsecond of float noise allowed.
    Shared with the parallel sampler (video_chunks), which must give the same samples."""
    return t + _EPS >= k / rate


def next_instant(t: float, rate: float) -> int:
    """The first instant not yet taken after a sample at ``t`` seconds."""
    return int(math.floor(t * rate + _EPS)) + 1


def _sample_stream(container, vs, path, rate, size, cancel, pool=None, depth=0):
    start = stream_start(vs)
    fps = _fps(vs, 0.0)
    stats: dict = {}
    k = 0
    last = None
    index = -1
    count = 0
    rotation = None
    pending: deque = deque()  # (index, time, future) converting in ``pool``, oldest first
    plan = _SamplingPlan(container, vs, rate)
    try:
        for index, frame in decode_planned(container, vs, plan, stats):
            count += 1
            if count % 32 == 0:
                check(cancel)
            t = frame_seconds(frame, start, last, fps)
            last = t
            if not is_sampled(t, k, rate):
                continue
            if rotation is None:
                rotation = display_rotation(frame)
            check(cancel)
            if pool is None:
                yield SampledFrame(index=index, time=t, image=to_rgb(frame, rotation, size))
            else:
                pending.append((index, t, pool.submit(to_rgb, frame, rotation, size)))
                while len(pending) > depth or (pending and pending[0][2].done()):
                    check(cancel)  # the consumer may have cancelled at the last yield
                    i, ti, fut = pending.popleft()
                    yield SampledFrame(index=i, time=ti, image=fut.result())
            k = next_instant(t, rate)
        while pending:
            check(cancel)
            i, ti, fut = pending.popleft()
            yield SampledFrame(index=i, time=ti, image=fut.result())
    finally:
        for _, _, fut in pending:
            fut.cancel()
    if index < 0:
        raise _fail(path, "no decodable video frame (corrupt or truncated file)")


def count_frames(path) -> int:
    """Decode the whole video and count its frames (exact, slow; for tests and tools)."""
    container = open_input(path)
    try:
        vs = video_stream(container)
        enable_threads(vs)
        return sum(1 for _ in decode_frames(container, vs))
    finally:
        container.close()


__all__ = [
    "VideoInfo", "SampledFrame", "probe", "iter_samples", "count_frames",
    "open_input", "video_stream", "stream_start", "decode_frames", "display_rotation",
    "rotate_image", "frame_seconds", "enable_threads",
]
