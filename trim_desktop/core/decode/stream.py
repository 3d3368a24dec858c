"""Opening a video file and reading its video stream: the PyAV layer under everything else.

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

import logging
from fractions import Fraction
from pathlib import Path
from typing import Optional

import av
import numpy as np

from ..cpus import available_cpus
from ..errors import InputVideoError

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- opening / errors


def _name(path) -> str:
    return Path(path).name or str(path)


def unreadable(path, why: str) -> InputVideoError:
    """The one-line error for a video that cannot be read: "Cannot read 'x.mp4': why"."""
    return InputVideoError(f"Cannot read '{_name(path)}': {why}")


def open_input(path) -> av.container.InputContainer:
    """Open ``path`` for reading or raise :class:`InputVideoError` with a one-line reason."""
    p = Path(path)
    if not p.exists():
        raise unreadable(path, "file not found")
    if p.is_dir():
        raise unreadable(path, "is a folder, not a video file")
    if not p.is_file():  # a FIFO would block the reader forever; a device is no video file
        raise unreadable(
            path, "not a regular file (a pipe or a device); save the video to a file first"
        )
    if p.stat().st_size == 0:
        raise unreadable(path, "the file is empty (0 bytes)")
    try:
        container = av.open(str(p), "r")
    except PermissionError:
        raise unreadable(path, "permission denied") from None
    except (av.error.FFmpegError, OSError, ValueError) as err:
        raise unreadable(path, f"not a readable video file ({short_error(err)})") from None
    if not container.streams.video:
        container.close()
        raise unreadable(path, "not a video file (no video stream)")
    if all(_is_cover(s) for s in container.streams.video):  # an MP3's album art
        container.close()
        raise unreadable(path, "no video stream (only cover art)")
    fmt = getattr(container.format, "name", "") or ""
    if fmt == "image2" or fmt.endswith("_pipe"):  # png_pipe, jpeg_pipe...: a picture
        container.close()
        raise unreadable(
            path, f"it is a still image ({fmt.replace('_pipe', '').upper()}), not a video"
        )
    return container


def short_error(err: BaseException) -> str:
    """First line of an FFmpeg error, without the file name it repeats."""
    text = getattr(err, "strerror", None) or str(err)
    return str(text).splitlines()[0].strip() or type(err).__name__


def video_stream(container):
    """The stream we summarise: the first video stream that is not a cover picture."""
    for s in container.streams.video:
        if not _is_cover(s):
            return s
    return container.streams.video[0]


def _is_cover(stream) -> bool:
    """An attached picture (cover art): one still image, not video."""
    return bool(stream.disposition & getattr(av.stream.Disposition, "attached_pic", 1 << 10))


def container_formats(container) -> set:
    """The container's format names ("mov,mp4,m4a,..." split), for codec/format checks."""
    return set((getattr(container.format, "name", "") or "").split(","))


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


def enable_threads(stream, threads: Optional[int] = None) -> None:
    """Let libavcodec decode with frame/slice threads (big speed-up, order unchanged);
    ``threads`` per decoder, default :func:`decoder_threads`."""
    try:
        stream.thread_type = "AUTO"
        stream.thread_count = threads or decoder_threads()
    except (AttributeError, ValueError):
        pass


# ---------------------------------------------------------------- decoding


def decode_frames(container, stream, stats: Optional[dict] = None):
    """Yield decoded frames of ``stream`` in presentation order, skipping bad packets.

    PyAV's demux ends with empty packets whose decode() drains the decoder, so the
    last frames come out too. Corrupt packets (and a truncated tail) are counted in
    ``stats["errors"]`` instead of stopping the decode: one broken packet should not
    lose a whole video.
    """
    stats = stats if stats is not None else {}
    stats.setdefault("errors", 0)
    for packet in packets(container, stream, stats):
        yield from decode_packet(container, packet, stats)
    report_errors(container, stats)


def packets(container, stream, stats: dict):
    """Demuxed packets of ``stream``; a demux error ends the stream (counted)."""
    demuxed = container.demux(stream)
    while True:
        try:
            yield next(demuxed)
        except StopIteration:
            return
        except (av.error.FFmpegError, OSError) as err:
            stats["errors"] += 1
            log.warning("demux error in %s: %s", container.name, short_error(err))
            return


def decode_packet(container, packet, stats: dict) -> list:
    """The frames one packet completes; none (counted) when it is corrupt."""
    try:
        return packet.decode()
    except (av.error.FFmpegError, OSError, ValueError) as err:
        stats["errors"] += 1
        if stats["errors"] <= 3:
            log.warning("skipping corrupt packet in %s: %s", container.name, short_error(err))
        return []


def report_errors(container, stats: dict) -> None:
    if stats["errors"]:
        log.warning("%s: skipped %d corrupt packet(s)", container.name, stats["errors"])


# ---------------------------------------------------------------- frames


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
