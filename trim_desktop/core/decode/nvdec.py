"""Decoding on an NVIDIA GPU (NVDEC): a frame source for the parallel sampler.

Why: on a desktop with a GPU and few cores the GPU waits for the CPU's decoding. On the
lent H200 machine held to 4 cores (taskset), the 10-min benchmark file's feature stage
took 9.3 s with the CPU decoders and 5.3 s with NVDEC (summarize 11.1 -> 6.7 s; decode
once 9.6 s); with 8 cores both took ~5.4 s, and with all 16 the CPU decoders were
faster (4.0 vs 5.0 s to the end of decoding). So :func:`strategy.auto_options` turns
NVDEC on below :data:`strategy.CPU_DECODE_CORES` cores. One decoder per stretch between
keyframes (:mod:`.parallel`), as on the CPU: a single NVDEC decoder managed 1400
frames/s, eight side by side 6500.

Same samples as the CPU path, pixel for pixel (tested on the GPU machine): only the
decoder changes (H.264/HEVC decoding is exact), frames stay in GPU memory, and only the
sampled ones are downloaded and converted by the same libswscale call. Converting on
the GPU instead (NV12 -> RGB and the resize in torch) was measured and dropped: its
features were 0.966-0.992 cosine from libswscale's pixels (the bar is 0.999).

Where NVDEC cannot decode a file (no driver video library, another GPU vendor, a codec
or profile NVDEC lacks) :func:`usable` says so, with a log line, and the CPU decodes.
Imports torch: loaded only for runs that ask for NVDEC.
"""

from __future__ import annotations

import logging

import av
import torch
from av.codec.hwaccel import HWAccel, hwdevices_available

from .stream import video_stream

log = logging.getLogger(__name__)


def usable(path, device) -> bool:
    """Whether NVDEC decodes ``path``'s first frame on ``device`` into GPU memory (the
    answer, and why not, is logged); checked once per video."""
    dev = torch.device(device)
    if dev.type != "cuda" or "cuda" not in hwdevices_available():
        return False
    try:
        source = NvdecFrames(dev)
        container = source.open(path)
        try:
            vs = video_stream(container)
            for frame in container.decode(vs):
                ok = frame.format.name == "cuda"
                log.info(
                    "NVDEC %s for %s", "decodes" if ok else "is not used", vs.codec_context.name
                )
                return ok
        finally:
            container.close()
    except Exception as err:  # noqa: BLE001 - any failure means: decode on the CPU
        log.info("NVDEC unavailable (%s: %s); decoding on the CPU", type(err).__name__, err)
    return False


class NvdecFrames:
    """Opens files for NVDEC decoding on ``device`` (a :class:`.sources.FrameSource`).
    Frames stay in GPU memory; only the sampled ones come over, in ``stream.to_rgb``
    (PyAV downloads a GPU frame before libswscale converts it), so the samples are the
    CPU path's."""

    def __init__(self, device):
        self.device = torch.device(device)
        if self.device.index is None:
            self.device = torch.device("cuda", torch.cuda.current_device())

    def open(self, path):
        """The container, its video stream set to decode with NVDEC in torch's context
        (FFmpeg refuses the primary context once torch holds it with other flags, so
        this thread's current one is used; made current here)."""
        torch.cuda.set_device(self.device)
        torch.zeros(1, device=self.device)  # (makes torch's context current in this thread)
        hw = HWAccel(
            "cuda",
            device=str(self.device.index),
            allow_software_fallback=True,
            is_hw_owned=True,
            options={"primary_ctx": "0", "current_ctx": "1"},
        )
        return av.open(str(path), "r", hwaccel=hw)

    def configure(self, stream) -> None:
        """NVDEC decodes one frame at a time per decoder: no CPU frame threads."""
