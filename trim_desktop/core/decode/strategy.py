"""The one place that picks how a video is decoded for sampling: sequentially, in
parallel on the CPU's cores, or in parallel on the GPU's video decoders (NVDEC).

The choice comes from explicit :class:`DecodeOptions` (feature extraction makes them
with :func:`auto_options` for its device); nothing below reads the environment.
Every strategy gives the same samples (index, time, pixels; tested).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Optional

from av.codec.hwaccel import hwdevices_available

from ..cpus import available_cpus
from ..progress import CancelToken
from . import parallel
from .sampler import SampledFrame, sequential_samples
from .sources import FrameSource

MAX_WORKERS = 8
"""Parallel decoders at most (more gained nothing on the 16-core H200)."""
CPU_DECODE_CORES = 8
"""From this many cores on, the CPU decoders are as fast as NVDEC or faster (nvdec.py)."""


@dataclass(frozen=True)
class DecodeOptions:
    """How to decode: ``workers`` decoders side by side (1 = sequential; more where the
    file allows, see :mod:`.parallel`), on the NVDEC decoders of ``nvdec_device`` (a
    CUDA device) instead of the CPU's when set; ``convert_workers`` threads converting
    samples to RGB beside a sequential decoder; ``chunk_seconds`` the length of a
    parallel stretch (None: about a minute; tests make it short)."""

    workers: int = 1
    nvdec_device: Optional[object] = None
    convert_workers: int = 0
    chunk_seconds: Optional[float] = None


def _device_type(device) -> str:
    return getattr(device, "type", None) or str(device or "cpu").split(":")[0]


def auto_options(device="cpu") -> DecodeOptions:
    """The measured defaults for a feature extraction on ``device`` (docs/benchmarks.md):
    one decoder per core (at most :data:`MAX_WORKERS`); on CUDA, NVDEC below
    :data:`CPU_DECODE_CORES` cores where FFmpeg has CUDA, and conversion threads for a
    sequential decode (:func:`gpu_convert_workers`)."""
    cpus = available_cpus()
    workers = max(1, min(MAX_WORKERS, cpus))
    if _device_type(device) != "cuda":
        return DecodeOptions(workers=workers)
    nvdec = cpus < CPU_DECODE_CORES and "cuda" in hwdevices_available()
    return DecodeOptions(
        workers=workers,
        nvdec_device=device if nvdec else None,
        convert_workers=gpu_convert_workers(),
    )


def gpu_convert_workers() -> int:
    """Threads converting sampled frames to RGB on GPU runs: a quarter of the cores, at most
    4 (0 = convert in the decoding thread). The GPU leaves the cores to decoding, and the
    conversion of each sampled frame would otherwise wait for the decoder and vice versa."""
    n = min(4, available_cpus() // 4)
    return n if n > 1 else 0


def iter_samples(
    path,
    rate: float = 2.0,
    size: Optional[tuple] = None,
    cancel: Optional[CancelToken] = None,
    options: Optional[DecodeOptions] = None,
) -> Iterator[SampledFrame]:
    """Yield the first frame at or after each k/rate seconds (k = 0, 1, 2, ...) of
    ``path``, upright RGB, resized to ``size`` = (w, h) when given, decoded as
    ``options`` say (default: one decoder)."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    options = options or DecodeOptions()
    chunks = (
        parallel.plan_chunks(path, rate, options.workers, options.chunk_seconds)
        if options.workers > 1
        else None
    )
    if chunks:
        yield from parallel.chunked_samples(
            path, chunks, rate, size, cancel, options.workers, _chunk_source(path, options)
        )
        return
    yield from sequential_samples(path, rate, size, cancel, options.convert_workers)


def _chunk_source(path, options: DecodeOptions) -> Optional[FrameSource]:
    """NVDEC decoders when asked for and they decode this file, else None (the CPU's)."""
    if options.nvdec_device is None:
        return None
    from . import nvdec  # (imports torch: GPU runs only)

    return (
        nvdec.NvdecFrames(options.nvdec_device)
        if nvdec.usable(path, options.nvdec_device)
        else None
    )
