"""NVDEC decoding (nvdec): the GPU's video decoders give the CPU's samples, and a machine
without them decodes on the CPU. The GPU half is skipped without CUDA (CI has none)."""
from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from tests.media import make_video
from trim_desktop.core import nvdec, video_chunks
from trim_desktop.core.video import iter_samples

CHUNK_S = 1.0
gpu = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """6 s of H.264 with B-frames and a keyframe every half second: six 1-s chunks."""
    return make_video(tmp_path_factory.mktemp("nvdec") / "b.mp4", duration=6.0, fps=30,
                      size=(192, 128), audio=False, codec="libx264",
                      codec_options={"x264-params": "keyint=15:min-keyint=15:bframes=3"})


def _same(a, b) -> bool:
    return (len(a) == len(b) and all(
        x.index == y.index and x.time == y.time and np.array_equal(x.image, y.image)
        for x, y in zip(a, b)))


def _samples(path, **kw):
    return list(iter_samples(path, rate=2.0, size=(64, 48), workers=3,
                             chunk_seconds=CHUNK_S, **kw))


def test_when_nvdec_is_tried(monkeypatch):
    """Never for a CPU run; on CUDA with few cores, or when forced on."""
    monkeypatch.setattr(nvdec, "hwdevices_available", lambda: ["cuda"])
    monkeypatch.delenv("TRIM_NVDEC", raising=False)
    assert not nvdec.wanted("cpu")
    monkeypatch.setattr(nvdec, "available_cpus", lambda: 4)
    assert nvdec.wanted("cuda")
    monkeypatch.setattr(nvdec, "available_cpus", lambda: 8)
    assert not nvdec.wanted("cuda")
    monkeypatch.setenv("TRIM_NVDEC", "1")
    assert nvdec.wanted("cuda") and not nvdec.wanted("cpu")
    monkeypatch.setattr(nvdec, "available_cpus", lambda: 4)
    monkeypatch.setenv("TRIM_NVDEC", "0")
    assert not nvdec.wanted("cuda")
    monkeypatch.setenv("TRIM_NVDEC", "mix")
    assert nvdec.mode("cuda") == "mix" and nvdec.mode("cpu") == "off"
    monkeypatch.setenv("TRIM_NVDEC", "1")
    assert nvdec.mode("cuda") == "all"
    monkeypatch.setattr(nvdec, "hwdevices_available", lambda: [])
    assert not nvdec.wanted("cuda")
    monkeypatch.setenv("TRIM_NVDEC", "mix")
    assert nvdec.mode("cuda") == "off"


def test_which_decoders_each_mode_gets(clip, monkeypatch):
    """"all": one NVDEC decoder per worker; "mix": those and as many CPU decoders, the
    cores shared among them; NVDEC not working for the file: the CPU's alone (None)."""
    monkeypatch.setattr(nvdec, "hwdevices_available", lambda: ["cuda"])
    monkeypatch.setattr(nvdec, "available_cpus", lambda: 16)
    monkeypatch.setattr(nvdec.NvdecFrames, "__init__", lambda self, device: None)
    monkeypatch.setattr(nvdec, "usable", lambda path, device: True)
    monkeypatch.setenv("TRIM_NVDEC", "1")
    assert [type(s) for s in nvdec.frame_sources(clip, "cuda", 8)] == [nvdec.NvdecFrames] * 8
    monkeypatch.setenv("TRIM_NVDEC", "mix")
    got = nvdec.frame_sources(clip, "cuda", 8)
    assert [type(s) for s in got] == [nvdec.NvdecFrames] * 8 + [video_chunks.CpuFrames] * 8
    assert got[-1].threads == 2
    assert nvdec.decoder_count("cuda", 8) == 16 and nvdec.decoder_count("cpu", 8) == 8
    monkeypatch.setenv("TRIM_NVDEC_DECODERS", "1")   # (a GPU with one NVDEC engine)
    assert [type(s) for s in nvdec.frame_sources(clip, "cuda", 8)] == \
        [nvdec.NvdecFrames] + [video_chunks.CpuFrames] * 8
    assert nvdec.decoder_count("cuda", 8) == 9
    monkeypatch.delenv("TRIM_NVDEC_DECODERS")
    monkeypatch.setattr(nvdec, "usable", lambda path, device: False)
    assert nvdec.frame_sources(clip, "cuda", 8) is None
    monkeypatch.setenv("TRIM_NVDEC", "0")
    monkeypatch.setattr(nvdec, "usable", lambda path, device: pytest.fail("not asked"))
    assert nvdec.frame_sources(clip, "cuda", 8) is None


def test_without_nvdec_the_cpu_decodes_the_same_samples(clip, monkeypatch, caplog):
    """A CUDA run where NVDEC cannot start (here: forced) gets the CPU decoders' samples
    and says why in the log."""
    monkeypatch.setattr(nvdec, "mode", lambda device: "all")

    def no_driver(self, path):
        raise OSError("libnvcuvid.so.1: cannot open shared object file")
    monkeypatch.setattr(nvdec.NvdecFrames, "open", no_driver)
    monkeypatch.setattr(nvdec.NvdecFrames, "__init__", lambda self, device: None)
    with caplog.at_level(logging.INFO, logger="trim_desktop.core.nvdec"):
        got = _samples(clip, nvdec_device="cuda")
    assert "NVDEC unavailable" in caplog.text and "libnvcuvid" in caplog.text
    assert _same(got, _samples(clip))


class _Spy(video_chunks.CpuFrames):
    """A CPU frame source that records the chunks it opened (and where it ran)."""

    def __init__(self, name, log_):
        super().__init__(threads=1)
        self.name, self.log = name, log_

    def open(self, path):
        self.log.append(self.name)
        return super().open(path)


def test_a_frame_source_opens_every_chunk(clip):
    """The chunked sampler decodes through the sources it is given (how NVDEC plugs in)."""
    opened = []
    chunks = video_chunks.plan_chunks(clip, 2.0, 3, CHUNK_S)
    got = list(video_chunks.iter_chunked_samples(clip, chunks, 2.0, (64, 48),
                                                 sources=[_Spy("a", opened)] * 3))
    assert len(opened) == len(chunks) >= 4
    assert _same(got, _samples(clip))


def test_mixed_sources_share_the_chunks_and_give_the_same_samples(clip):
    """Two kinds of decoder side by side ("mix": NVDEC beside the CPU's): every chunk is
    decoded once, by whichever is free, so both kinds work and the samples are unchanged."""
    opened = []
    chunks = video_chunks.plan_chunks(clip, 2.0, 4, CHUNK_S)
    sources = [_Spy("gpu", opened)] * 2 + [_Spy("cpu", opened)] * 2
    got = list(video_chunks.iter_chunked_samples(clip, chunks, 2.0, (64, 48),
                                                 sources=sources))
    assert len(opened) == len(chunks) >= 4
    assert {"gpu", "cpu"} <= set(opened)
    assert _same(got, _samples(clip))


def test_two_kinds_of_decoder_get_more_chunks_ahead():
    """With one kind, a chunk ahead per decoder (memory stays bounded); with two, twice
    that, so the faster kind runs on while a slower decoder holds the next chunk."""
    cpu, other = video_chunks.CpuFrames(), _Spy("gpu", [])
    assert video_chunks.chunks_ahead([cpu] * 8) == 9
    assert video_chunks.chunks_ahead([other] * 8 + [cpu] * 8) == 33


@gpu
def test_nvdec_gives_the_cpu_samples_pixel_for_pixel(clip, monkeypatch):
    monkeypatch.setenv("TRIM_NVDEC", "1")   # (whatever the core count)
    if not nvdec.usable(clip, "cuda"):
        pytest.skip("this GPU machine has no NVDEC (driver video library)")
    opened = []
    real = nvdec.NvdecFrames.open

    def spy(self, path):
        opened.append(path)
        return real(self, path)
    monkeypatch.setattr(nvdec.NvdecFrames, "open", spy)
    got = _samples(clip, nvdec_device="cuda")
    assert len(opened) >= 4   # every chunk on the GPU (+ the check in usable)
    assert _same(got, _samples(clip))


@gpu
def test_nvdec_beside_cpu_decoders_gives_the_cpu_samples(clip, monkeypatch):
    monkeypatch.setenv("TRIM_NVDEC", "mix")
    if not nvdec.usable(clip, "cuda"):
        pytest.skip("this GPU machine has no NVDEC (driver video library)")
    assert _same(_samples(clip, nvdec_device="cuda"), _samples(clip))


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
def test_nvdec_works_after_torch_holds_the_gpu(clip, monkeypatch):
    """FFmpeg refuses the primary context once torch made it with other flags (seen on
    the H200): decoding goes through torch's current context instead."""
    monkeypatch.setenv("TRIM_NVDEC", "1")
    torch.zeros(1, device="cuda")
    if not _nvdec_in_its_own_context(clip):
        pytest.skip("this GPU machine has no NVDEC (driver video library)")
    assert nvdec.usable(clip, "cuda")
