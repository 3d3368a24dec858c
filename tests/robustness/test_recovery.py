"""GPU failures fall back to the CPU with a note; same input + seed = same segments;
a damaged feature cache is detected and rebuilt."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from tests.robustness.conftest import FAST, files_under, temp_leftovers
from trim_desktop.core import pipeline

pytestmark = pytest.mark.slow


def fast_settings(**kw):
    base = dict(backbone="efficientnet-lite0", steps1=1, steps2=2)
    base.update(kw)
    return pipeline.SummarizeSettings(**base)


# ---------------------------------------------------------------- CUDA failure -> CPU


def cuda_failure(kind: str) -> BaseException:
    if kind == "oom":
        return torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    return RuntimeError("CUDA error: an illegal memory access was encountered")


@pytest.fixture
def fake_gpu(monkeypatch):
    """Pretend a CUDA GPU exists; every attempt to use it fails like a real one would.

    Feature extraction moves the backbone with Backbone.to(device); training runs in
    core.train.train_on_video(device=...). Both raise the injected error on "cuda" and
    behave normally on the CPU. Returns the list of devices each path was called with.
    """
    from trim_desktop.core import backbones, device, features, train

    calls = {"backbone": [], "train": [], "kind": "oom"}
    real_choose = device.choose_device

    def choose_device(pref="auto"):  # "auto" finds the (pretend) GPU
        if str(pref or "auto").lower() in ("auto", "cuda", "cuda:0"):
            return torch.device("cuda")
        return real_choose(pref)

    # Only our device choice is patched: torch.cuda.is_available() stays honest (False),
    # because torch itself (e.g. Adam's defaults) would try to initialise CUDA.
    monkeypatch.setattr(device, "choose_device", choose_device)
    monkeypatch.setattr(features, "choose_device", choose_device)

    real_to = backbones.Backbone.to

    def to(self, device):
        calls["backbone"].append(torch.device(device).type)
        if torch.device(device).type == "cuda":
            raise cuda_failure(calls["kind"])
        return real_to(self, device)

    real_train = train.train_on_video

    def train_on_video(values, settings, device="cpu", *a, **k):
        calls["train"].append(torch.device(device).type)
        if torch.device(device).type == "cuda":
            raise cuda_failure(calls["kind"])
        return real_train(values, settings, device, *a, **k)

    monkeypatch.setattr(backbones.Backbone, "to", to)
    monkeypatch.setattr(train, "train_on_video", train_on_video)
    return calls


@pytest.mark.parametrize("kind", ["oom", "cuda-error"])
def test_gpu_failure_falls_back_to_cpu_in_pipeline(kind, fake_gpu, corpus, cache_dir):
    fake_gpu["kind"] = kind
    result = pipeline.summarize(corpus("good.mp4"), fast_settings(device="auto", use_cache=False))
    assert fake_gpu["backbone"][:2] == ["cuda", "cpu"]
    assert fake_gpu["train"] == ["cuda", "cpu"]
    notes = [m for m in result.messages if "The GPU failed" in m]
    assert len(notes) == 2, result.messages  # one for features, one for training
    word = "OutOfMemoryError" if kind == "oom" else "illegal memory access"
    assert all(word in m and "continuing on the CPU" in m for m in notes)
    assert result.device.startswith("CPU")
    assert result.summary.selected


def test_gpu_failure_note_on_cli_stderr(fake_gpu, corpus, run_cli, out_dir, cache_dir):
    flags = [f for f in FAST if f not in ("--device", "cpu")]
    code, out, err = run_cli(
        corpus("good.mp4"), "--output-dir", out_dir, "--device", "auto", *flags
    )
    assert code == 0, err
    notes = [ln for ln in err.splitlines() if ln.startswith("note: The GPU failed")]
    assert len(notes) == 2 and all("OutOfMemoryError" in n for n in notes), err
    assert "CPU (" in out
    assert files_under(out_dir) == ["good.summary.json", "good.summary.mp4"]


def test_explicit_cuda_without_gpu_exit_6(corpus, run_cli, out_dir, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    code, out, err = run_cli(
        corpus("good.mp4"),
        "--output-dir",
        out_dir,
        "--device",
        "cuda",
        "-q",
        "--backbone",
        "efficientnet-lite0",
    )
    assert code == 6 and err.startswith("error: --device cuda was asked for")
    assert len(err.strip().splitlines()) == 1 and files_under(out_dir) == []


# ---------------------------------------------------------------- determinism


def test_same_input_and_seed_same_segments_byte_for_byte(corpus, run_cli, tmp_path, cache_dir):
    """Run twice (the second without the cache: features recomputed too)."""
    src = corpus("good.mp4")
    docs, raw = [], []
    for i, extra in enumerate(([], ["--no-cache"])):
        seg = tmp_path / f"run{i}.json"
        code, out, err = run_cli(
            src, "--no-export", "--segments", seg, "--seed", "7", *FAST, *extra
        )
        assert code == 0, err
        raw.append(seg.read_bytes())
        docs.append(json.loads(raw[-1]))
    seg_bytes = [json.dumps(d["segments"], sort_keys=True).encode() for d in docs]
    assert seg_bytes[0] == seg_bytes[1]
    assert raw[0] == raw[1]  # in fact the whole file is identical
    assert (
        np.array_equal(docs[0]["sample_scores"], docs[1]["sample_scores"])
        if "sample_scores" in docs[0]
        else True
    )


# ---------------------------------------------------------------- damaged feature cache


def damage(path, how: str) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "bit-flip":
        b = bytearray(data)
        for i in range(len(b) // 3, len(b) // 3 + 64):
            b[i] ^= 0xFF
        path.write_bytes(bytes(b))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "garbage":
        path.write_text("not an npz at all")


@pytest.mark.parametrize("how", ["truncated", "bit-flip", "empty", "garbage"])
def test_damaged_cache_entry_is_rebuilt(how, corpus, cache_dir):
    from trim_desktop.core.cache import FeatureCache

    src = corpus("no_audio.mp4")
    first = pipeline.summarize(src, fast_settings(device="cpu"))
    assert not first.features.from_cache
    entries = list(cache_dir.glob("*.npz"))
    assert len(entries) == 1
    damage(entries[0], how)

    second = pipeline.summarize(src, fast_settings(device="cpu"))
    assert not second.features.from_cache  # detected: computed again
    assert any("cache entry for this video was damaged" in m for m in second.messages)
    assert np.allclose(second.features.values, first.features.values, atol=1e-5)
    assert second.summary.selected
    key = entries[0].stem
    assert FeatureCache(cache_dir).get(key) is not None  # rebuilt, valid again

    third = pipeline.summarize(src, fast_settings(device="cpu"))
    assert third.features.from_cache
    assert not temp_leftovers(cache_dir) and len(list(cache_dir.glob("*.npz"))) == 1


def test_damaged_cache_entry_via_cli(corpus, run_cli, out_dir, cache_dir):
    src = corpus("no_audio.mp4")
    assert run_cli(src, "--no-export", "--segments", out_dir / "a.json", *FAST)[0] == 0
    damage(next(cache_dir.glob("*.npz")), "truncated")
    code, out, err = run_cli(src, "--no-export", "--segments", out_dir / "b.json", *FAST)
    assert code == 0 and "note: The feature cache entry for this video was damaged" in err
    code, out, err = run_cli(src, "--no-export", "--segments", out_dir / "c.json", *FAST)
    assert code == 0 and "loaded from the cache" in err
