"""decode.strategy: which decoding a run gets (the measured defaults), from explicit
options only."""

from __future__ import annotations

from tests.media import make_video
from trim_desktop.core.decode import DecodeOptions, auto_options, iter_samples, strategy


def test_cpu_runs_get_one_decoder_per_core(monkeypatch):
    monkeypatch.setattr(strategy, "available_cpus", lambda: 2)
    assert auto_options("cpu") == DecodeOptions(workers=2)
    monkeypatch.setattr(strategy, "available_cpus", lambda: 1)
    assert auto_options("cpu").workers == 1  # the sequential sampler
    monkeypatch.setattr(strategy, "available_cpus", lambda: 64)
    assert auto_options("cpu").workers == strategy.MAX_WORKERS


def test_cuda_runs_use_nvdec_only_on_few_cores(monkeypatch):
    """NVDEC measured faster on 4 cores, equal on 8, slower on 16 (docs/benchmarks.md)."""
    monkeypatch.setattr(strategy, "hwdevices_available", lambda: ["cuda"])
    monkeypatch.setattr(strategy, "available_cpus", lambda: 4)
    assert auto_options("cuda:0").nvdec_device == "cuda:0"
    assert auto_options("cpu").nvdec_device is None
    monkeypatch.setattr(strategy, "available_cpus", lambda: 8)
    got = auto_options("cuda")
    assert got.nvdec_device is None and got.workers == 8
    monkeypatch.setattr(strategy, "available_cpus", lambda: 4)
    monkeypatch.setattr(strategy, "hwdevices_available", lambda: [])  # FFmpeg without CUDA
    assert auto_options("cuda").nvdec_device is None


def test_gpu_runs_convert_samples_in_threads_on_many_cores(monkeypatch):
    monkeypatch.setattr(strategy, "hwdevices_available", lambda: [])
    monkeypatch.setattr(strategy, "available_cpus", lambda: 16)
    assert auto_options("cuda").convert_workers == 4
    assert auto_options("cpu").convert_workers == 0
    monkeypatch.setattr(strategy, "available_cpus", lambda: 4)
    assert auto_options("cuda").convert_workers == 0


def test_the_environment_does_not_choose(tmp_path, monkeypatch):
    """The old benchmark switches are gone: the options alone decide."""
    monkeypatch.setenv("TRIM_DECODE_WORKERS", "1")
    monkeypatch.setenv("TRIM_NVDEC", "1")
    monkeypatch.setattr(strategy, "available_cpus", lambda: 3)
    assert auto_options("cpu") == DecodeOptions(workers=3)


def test_parallel_options_decode_in_chunks(tmp_path, monkeypatch):
    path = make_video(
        tmp_path / "v.mp4",
        duration=6.0,
        fps=30,
        size=(96, 64),
        audio=False,
        codec_options={"x264-params": "keyint=15:min-keyint=15"},
    )
    used = []
    real = strategy.parallel.chunked_samples

    def spy(*a, **kw):
        used.append(a[1])
        return real(*a, **kw)

    monkeypatch.setattr(strategy.parallel, "chunked_samples", spy)
    one = list(iter_samples(path, size=(48, 32)))
    assert not used
    many = list(
        iter_samples(path, size=(48, 32), options=DecodeOptions(workers=3, chunk_seconds=1.0))
    )
    assert len(used) == 1 and len(used[0]) >= 4
    assert [(s.index, s.time) for s in many] == [(s.index, s.time) for s in one]
