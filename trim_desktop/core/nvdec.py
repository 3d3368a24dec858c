"""Decoding on an NVIDIA GPU (NVDEC) for the feature stage of a CUDA run on few cores.

Why: on a desktop with a GPU and few cores the GPU waits for the CPU's decoding. On the
lent H200 machine held to 4 cores (taskset), the 10-min benchmark file's feature stage
took 9.3 s with the CPU decoders and 5.3 s with NVDEC (summarize 11.1 -> 6.7 s; decode
once 9.6 s); with 8 cores both took ~5.4 s, and with all 16 the CPU decoders were
faster (4.0 vs 5.0 s to the end of decoding). So NVDEC is used below
:data:`CPU_DECODE_CORES` cores. One decoder per stretch between keyframes
(:mod:`.video_chunks`), as on the CPU: a single NVDEC decoder managed 1400 frames/s,
eight side by side 6500.

Same samples as the CPU path, pixel for pixel (tested on the GPU machine): only the
decoder changes (H.264/HEVC decoding is exact), frames stay in GPU memory, and only the
sampled ones are downloaded and converted by the same libswscale call. Converting on
the GPU instead (NV12 -> RGB and the resize in torch) was measured and dropped: its
features were 0.966-0.992 cosine from libswscale's pixels (the bar is 0.999).

Falls back to the CPU decoders, with a log line, where NVDEC is missing (no driver
video library, another GPU vendor, a codec or profile NVDEC lacks). ``TRIM_NVDEC=1`` /
``=0`` forces it on / off; ``=mix`` runs NVDEC decoders beside as many CPU ones, each
stretch going to whichever is free, and a stretch held up by a slow decoder is decoded
again by an idle quicker one (for many-core machines, where either kind alone leaves the
other idle, and for GPUs of unknown decoding speed; not measured on a GPU yet, so not a
default).
"""
from __future__ import annotations

import logging
import os
from typing import Optional

import av
import torch
from av.codec.hwaccel import HWAccel, hwdevices_available

from . import video
from .video_chunks import CpuFrames
from .cpus import available_cpus

log = logging.getLogger(__name__)


CPU_DECODE_CORES = 8
"""From this many cores on, the CPU decoders are as fast or faster (see above)."""
_MODES = {"0": "off", "1": "all", "mix": "mix"}   # TRIM_NVDEC values


def mode(device) -> str:
    """How a run on ``device`` decodes: "off" (CPU decoders), "all" (every decoder NVDEC)
    or "mix" (NVDEC decoders beside as many CPU ones). "all" needs CUDA and FFmpeg built
    with it; then ``TRIM_NVDEC`` = 0 / 1 / mix chooses, and unset means "all" on a
    machine with fewer than :data:`CPU_DECODE_CORES` cores, else "off" (measured above;
    "mix" is not measured yet and stays opt-in)."""
    if torch.device(device).type != "cuda" or "cuda" not in hwdevices_available():
        return "off"
    forced = os.environ.get("TRIM_NVDEC", "").strip().lower()
    if forced in _MODES:
        return _MODES[forced]
    return "all" if available_cpus() < CPU_DECODE_CORES else "off"


def wanted(device) -> bool:
    """True when a run on ``device`` should try NVDEC (see :func:`mode`)."""
    return mode(device) != "off"


def gpu_decoders(workers: int) -> int:
    """NVDEC decoders side by side: one per parallel worker; ``TRIM_NVDEC_DECODERS``
    overrides (benchmarks: one decoder stands in for a GPU with a single NVDEC engine,
    where most consumer GPUs are; the H200 has seven)."""
    forced = os.environ.get("TRIM_NVDEC_DECODERS", "").strip()
    return int(forced) if forced.isdigit() and int(forced) > 0 else workers


def decoder_count(device, workers: int) -> int:
    """How many decoders :func:`frame_sources` gives when NVDEC works (the parallel
    sampler plans that many stretches)."""
    kind = mode(device)
    if kind == "off":
        return workers
    return gpu_decoders(workers) + (workers if kind == "mix" else 0)


def frame_sources(path, device, workers: int) -> Optional[list]:
    """The parallel sampler's decoders for ``path`` on ``device``: NVDEC ones (mode
    "all"; :func:`gpu_decoders`), those plus ``workers`` CPU decoders sharing the cores
    (mode "mix"), or None for the CPU decoders alone (NVDEC off or not working here)."""
    kind = mode(device)
    if kind == "off" or not usable(path, device):
        return None
    gpu = [NvdecFrames(device)] * gpu_decoders(workers)
    if kind == "all":
        return gpu
    return gpu + [CpuFrames(max(1, available_cpus() // workers))] * workers


def usable(path, device) -> bool:
    """Whether NVDEC decodes ``path``'s first frame on ``device`` into GPU memory (the
    answer, and why not, is logged); checked once per video."""
    if not wanted(device):
        return False
    dev = torch.device(device)
    try:
        source = NvdecFrames(dev)
        container = source.open(path)
        try:
            vs = video.video_stream(container)
            for frame in container.decode(vs):
                ok = frame.format.name == "cuda"
                log.info("NVDEC %s for %s", "decodes" if ok else "is not used",
                         vs.codec_context.name)
                return ok
        finally:
            container.close()
    except Exception as err:  # noqa: BLE001 - any failure means: decode on the CPU
        log.info("NVDEC unavailable (%s: %s); decoding on the CPU", type(err).__name__, err)
    return False


class NvdecFrames:
    """Opens files for NVDEC decoding on ``device`` (a frame source for
    :func:`video_chunks.iter_chunked_samples`). Frames stay in GPU memory; only the
    sampled ones come over, in ``video.to_rgb`` (PyAV downloads a GPU frame before
    libswscale converts it), so the samples are the CPU path's."""

    def __init__(self, device):
        self.device = torch.device(device)
        if self.device.index is None:
            self.device = torch.device("cuda", torch.cuda.current_device())

    def open(self, path):
        """The container, its video stream set to decode with NVDEC in torch's context
        (FFmpeg refuses the primary context once torch holds it with other flags, so
        this thread's current one is used; made current here)."""
        torch.cuda.set_device(self.device)
        torch.zeros(1, device=self.device)   # (makes torch's context current in this thread)
        hw = HWAccel("cuda", device=str(self.device.index), allow_software_fallback=True,
                     is_hw_owned=True, options={"primary_ctx": "0", "current_ctx": "1"})
        return av.open(str(path), "r", hwaccel=hw)

    def configure(self, stream) -> None:
        """NVDEC decodes one frame at a time per decoder: no CPU frame threads."""


__all__ = ["mode", "wanted", "usable", "gpu_decoders", "decoder_count", "frame_sources",
           "NvdecFrames"]
