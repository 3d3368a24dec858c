"""Decoding videos: probe a file, then sample frames from it.

Modules, each importing only those above it:

- ``stream``    opening a file (one-line errors), its video stream, decoding packets,
                frame times, rotation and RGB conversion (PyAV)
- ``info``      ``probe()`` -> :class:`VideoInfo`; the stream's duration and frame rate
- ``plan``      the sampling rule and :class:`SamplingPlan` (decode only what is sampled)
- ``sampler``   the sampling loop (once, for every strategy) and the sequential sampler
- ``sources``   the frame-source interface and the CPU source
- ``parallel``  one decoder per stretch between keyframes, same samples
- ``nvdec``     the NVDEC frame source (imports torch; loaded only when asked for)
- ``strategy``  :class:`DecodeOptions`, :func:`auto_options` and :func:`iter_samples`:
                the one place that picks sequential / parallel CPU / NVDEC
"""

from .info import VideoInfo, count_frames, probe
from .sampler import SampledFrame
from .strategy import DecodeOptions, auto_options, iter_samples
from .stream import (
    decode_frames,
    display_rotation,
    enable_threads,
    frame_seconds,
    open_input,
    rotate_image,
    stream_start,
    to_rgb,
    video_stream,
)

__all__ = [
    "VideoInfo",
    "SampledFrame",
    "DecodeOptions",
    "probe",
    "iter_samples",
    "auto_options",
    "count_frames",
    "open_input",
    "video_stream",
    "stream_start",
    "decode_frames",
    "display_rotation",
    "rotate_image",
    "frame_seconds",
    "enable_threads",
    "to_rgb",
]
