"""NVDEC decoding (decode.nvdec): the GPU's video decoders give the CPU's samples, and a
run without them decodes on the CPU. The GPU half is skipped without CUDA (CI has none)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from tests.media import make_video
from trim_desktop.core.decode import DecodeOptions, iter_samples, nvdec, parallel
from trim_desktop.core.decode.sources import CpuFrames

CHUNK_S = 1.0
gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """6 s of H.264 with B-frames and a keyframe every half second: six 1-s chunks."""
    return make_video(
        tmp_path_factory.mktemp("nvdec") / "b.mp4",
        duration=6.0,
        fps=30,
        size=(192, 128),
        audio=False,
        codec="libx264",
        codec_options={"x264-params": "keyint=15:min-keyint=15:bframes=3"},
    )


def _same(a, b) -> bool:
    return len(a) == len(b) and all(
        x.index == y.index and x.time == y.time and np.array_equal(x.image, y.image)
        for x, y in zip(a, b)
    )


def _samples(path, nvdec_device=None):
    options = DecodeOptions(workers=3, chunk_seconds=CHUNK_S, nvdec_device=nvdec_device)
    return list(iter_samples(path, rate=2.0, size=(64, 48), options=options))


def test_without_nvdec_the_cpu_decodes_the_same_samples(clip, monkeypatch, caplog):
    """A run asking for NVDEC where it cannot start (here: no driver library) gets the
    CPU decoders' samples and says why in the log."""
    monkeypatch.setattr(nvdec, "hwdevices_available", lambda: ["cuda"])

    def no_driver(self, path):
        raise OSError("libnvcuvid.so.1: cannot open shared object file")

    monkeypatch.setattr(nvdec.NvdecFrames, "open", no_driver)
    monkeypatch.setattr(nvdec.NvdecFrames, "__init__", lambda self, device: None)
    with caplog.at_level(logging.INFO, logger="trim_desktop.core.decode.nvdec"):
        got = _samples(clip, nvdec_device="cuda")
    assert "NVDEC unavailable" in caplog.text and "libnvcuvid" in caplog.text
    assert _same(got, _samples(clip))


def test_nvdec_is_not_tried_without_cuda_in_ffmpeg(clip, monkeypatch):
    monkeypatch.setattr(nvdec, "hwdevices_available", lambda: [])
    monkeypatch.setattr(nvdec.NvdecFrames, "open", lambda self, path: pytest.fail("tried"))
    assert not nvdec.usable(clip, "cuda")
    assert not nvdec.usable(clip, "cpu")


class _Spy(CpuFrames):
    """A CPU frame source that records the chunks it opened."""

    def __init__(self, log_):
        super().__init__(threads=1)
        self.log = log_

    def open(self, path):
        self.log.append(path)
        return super().open(path)


def test_a_frame_source_opens_every_chunk(clip):
    """The chunked sampler decodes through the source it is given (how NVDEC plugs in)."""
    opened = []
    chunks = parallel.plan_chunks(clip, 2.0, 3, CHUNK_S)
    got = list(
        parallel.chunked_samples(clip, chunks, 2.0, (64, 48), workers=3, source=_Spy(opened))
    )
    assert len(opened) == len(chunks) >= 4
    assert _same(got, _samples(clip))


@gpu
def test_nvdec_gives_the_cpu_samples_pixel_for_pixel(clip, monkeypatch):
    if not nvdec.usable(clip, "cuda"):
        pytest.skip("this GPU machine has no NVDEC (driver video library)")
    opened = []
    real = nvdec.NvdecFrames.open

    def spy(self, path):
        opened.append(path)
        return real(self, path)

    monkeypatch.setattr(nvdec.NvdecFrames, "open", spy)
    got = _samples(clip, nvdec_device="cuda")
    assert len(opened) >= 4  # every chunk on the GPU (+ the check in usable)
    assert _same(got, _samples(clip))


def _nvdec_in_its_own_context(path) -> bool:
    """NVDEC present at all: decoding in a CUDA context of FFmpeg's own."""
    import av
    from av.codec.hwaccel import HWAccel

    try:
        hw = HWAccel("cuda", allow_software_fallback=False, options={"primary_ctx": "0"})
        with av.open(str(path), hwaccel=hw) as c:
            return next(c.decode(video=0)) is not None
    except Exception:  # noqa: BLE001
        return False


@gpu
def test_nvdec_works_after_torch_holds_the_gpu(clip):
    """FFmpeg refuses the primary context once torch made it with other flags (seen on
    the H200): decoding goes through torch's current context instead."""
    torch.zeros(1, device="cuda")
    if not _nvdec_in_its_own_context(clip):
        pytest.skip("this GPU machine has no NVDEC (driver video library)")
    assert nvdec.usable(clip, "cuda")
