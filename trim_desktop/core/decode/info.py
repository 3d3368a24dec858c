"""What a video file is: :func:`probe` -> :class:`VideoInfo` (and its duration and frame
rate read the same way wherever they are needed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import av

from .stream import (
    decode_frames,
    display_rotation,
    enable_threads,
    open_input,
    stream_start,
    unreadable,
    video_stream,
)


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
        duration = stream_duration(container, vs)
        fps = stream_fps(vs, duration)
        if duration <= 0:  # a raw stream (.h264) says nothing: count its packets
            duration = _counted_duration(path, fps)
        n_frames = _frame_count(vs, duration, fps)
        audio = container.streams.audio[0] if container.streams.audio else None
        return VideoInfo(
            path=str(path),
            duration=duration,
            fps=fps,
            n_frames=n_frames,
            width=int(width),
            height=int(height),
            rotation=rotation,
            has_audio=audio is not None,
            video_codec=vs.codec_context.name,
            audio_codec=audio.codec_context.name if audio is not None else None,
        )
    finally:
        container.close()


def _first_frame(container, vs, path):
    for frame in decode_frames(container, vs):
        return frame
    raise unreadable(path, "no decodable video frame (corrupt or truncated file)")


def stream_duration(container, vs) -> float:
    """Video duration in seconds: the stream's own, else the container's."""
    if vs.duration and vs.time_base:
        return float(vs.duration * vs.time_base)
    if container.duration:
        return float(container.duration) / av.time_base - float(stream_start(vs))
    if vs.frames and vs.average_rate:
        return float(vs.frames / vs.average_rate)
    return 0.0


def stream_fps(vs, duration: float = 0.0) -> float:
    """Average frame rate; guessed from the frame count (and ``duration``) when the
    container lacks it, else 25."""
    for rate in (vs.average_rate, vs.guessed_rate, vs.base_rate):
        if rate and 0 < float(rate) < 1000:
            return float(rate)
    if vs.frames and duration > 0:
        return vs.frames / duration
    return 25.0


def _counted_duration(path, fps: float) -> float:
    """Duration of a stream without timestamps or a length (raw H.264/HEVC): its
    packets (one picture each) at ``fps``. Demuxing only, no decoding."""
    container = open_input(path)
    try:
        vs = video_stream(container)
        n = sum(1 for p in container.demux(vs) if p.size)
    except (av.error.FFmpegError, OSError):
        return 0.0
    finally:
        container.close()
    return n / fps if fps > 0 else 0.0


def _frame_count(vs, duration: float, fps: float) -> int:
    """Frames shown: the container's count, unless it holds more frames than the duration
    shows (an mp4 cut without re-encoding keeps hidden frames before its edit list)."""
    shown = max(1, int(round(duration * fps))) if duration > 0 else 0
    if vs.frames and (not shown or vs.frames <= shown * 1.02 + 2):
        return int(vs.frames)
    return shown or 1


def count_frames(path) -> int:
    """Decode the whole video and count its frames (exact, slow; for tests and tools)."""
    container = open_input(path)
    try:
        vs = video_stream(container)
        enable_threads(vs)
        return sum(1 for _ in decode_frames(container, vs))
    finally:
        container.close()
