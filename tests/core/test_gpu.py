"""On a real CUDA GPU (skipped elsewhere; CI has none): the GPU path gives the CPU's answer.

Run on the lent GPU machine with ``benchmarks/gpu_check.sh``; the CPU-only suite covers
the fallbacks with injected failures (test_device.py, test_features.py).
"""

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

from tests.media import make_video
from trim_desktop.core import pipeline, train
from trim_desktop.core.backbones import load_backbone
from trim_desktop.core.features import extract_features

pytestmark = [
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
    pytest.mark.usefixtures("cache_env"),
]


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    """24 s, six 4-s scenes: 48 samples, enough for KTS and a 15 % knapsack."""
    return make_video(
        tmp_path_factory.mktemp("gpu") / "scenes.mp4",
        duration=24.0,
        fps=25,
        size=(320, 240),
        scene_s=4.0,
        audio=True,
    )


@pytest.fixture(scope="module")
def lite0():
    return load_backbone("efficientnet-lite0", "cpu")


def _cos(a, b):
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def test_gpu_features_match_cpu_features(scenes, lite0):
    cpu = extract_features(scenes, backbone=lite0, device="cpu", engine="torch")
    gpu = extract_features(scenes, backbone=lite0, device="cuda")
    assert gpu.values.shape == cpu.values.shape
    np.testing.assert_array_equal(gpu.frame_indices, cpu.frame_indices)
    assert _cos(gpu.values, cpu.values).min() >= 0.999


def test_gpu_training_is_repeatable_and_ranks_like_the_cpu(scenes, lite0):
    X = extract_features(scenes, backbone=lite0, device="cpu").values
    s = train.PRESETS["long"]
    a = train.train_on_video(X, s, device="cuda").scores
    b = train.train_on_video(X, s, device="cuda").scores
    c = train.train_on_video(X, s, device="cpu").scores
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    assert spearmanr(a, c).correlation >= 0.9


def test_summarize_on_the_gpu_says_so_and_selects_shots(scenes):
    res = pipeline.summarize(scenes, pipeline.SummarizeSettings(device="cuda", use_cache=False))
    assert "CUDA" in res.device
    assert res.summary.selected
    assert 0 < res.summary.selected_duration <= 0.15 * res.info.duration + 4.0


def test_real_cuda_out_of_memory_goes_on_on_the_cpu(scenes, lite0):
    """A GPU too small for the batch: a real OOM, then the CPU finishes the job."""
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(1e-6)
    try:
        notes = []
        f = extract_features(scenes, backbone=lite0, device="cuda", messages=notes)
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
        lite0.to("cpu")
    assert f.n == 48
    assert any("CPU" in n for n in notes), notes


def test_gpu_backbone_runs_without_cudnn(scenes, lite0, monkeypatch):
    # cuDNN costs ~2 s on the first batch and on every new batch size (H100, lite0)
    from trim_desktop.core.backbones import Backbone

    seen = []
    real = Backbone.embed

    def spy(self, x, *a, **k):
        seen.append((x.device.type, torch.backends.cudnn.enabled))
        return real(self, x, *a, **k)

    monkeypatch.setattr(Backbone, "embed", spy)
    extract_features(scenes, backbone=lite0, device="cuda")
    assert seen and all(dev == "cuda" and not cudnn for dev, cudnn in seen)
    assert torch.backends.cudnn.enabled  # restored for training


def test_gpu_backbone_runs_on_its_own_stream(scenes, lite0, monkeypatch):
    # NVDEC's copies use CUDA's legacy default stream: the network must not (features.own_stream)
    from trim_desktop.core.backbones import Backbone

    seen = []
    real = Backbone.embed

    def spy(self, x, *a, **k):
        seen.append(torch.cuda.current_stream(x.device) != torch.cuda.default_stream(x.device))
        return real(self, x, *a, **k)

    monkeypatch.setattr(Backbone, "embed", spy)
    extract_features(scenes, backbone=lite0, device="cuda")
    assert seen and all(seen)  # (test_gpu_features_match_cpu_features: same numbers)
    assert torch.cuda.current_stream() == torch.cuda.default_stream()  # (left as it was)
