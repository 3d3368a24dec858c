"""Feature extraction on generated videos: samples, progress, cancel, cache, CPU fallback."""

import contextlib
import threading

import numpy as np
import pytest
import torch

from trim_desktop.core import decode
from trim_desktop.core import features as featmod
from trim_desktop.core.backbones import Backbone, load_backbone
from trim_desktop.core.cache import FeatureCache
from trim_desktop.core.errors import InputVideoError
from trim_desktop.core.features import Features, extract_features
from trim_desktop.core.progress import Cancelled, CancelToken

pytestmark = pytest.mark.usefixtures("cache_env")


@pytest.fixture(scope="module")
def lite0():
    return load_backbone("efficientnet-lite0", "cpu")


def _no_decoder_threads():
    return not any(t.name == "trim-decode" and t.is_alive() for t in threading.enumerate())


def test_features_samples_and_progress(clip, lite0):
    seen = []
    f = extract_features(
        clip, backbone=lite0, preprocess="crop", rate=2.0, batch_size=2, progress=seen.append
    )
    assert isinstance(f, Features) and not f.from_cache
    assert f.values.shape == (5, 1280) and f.values.dtype == np.float32
    np.testing.assert_array_equal(f.frame_indices, np.arange(5) * 15)
    assert f.frame_indices.dtype == np.int64 and f.timestamps.dtype == np.float64
    np.testing.assert_allclose(f.timestamps, np.arange(5) * 0.5, atol=1e-6)
    assert (f.backbone, f.preprocess, f.rate) == ("efficientnet-lite0", "crop", 2.0)
    assert f.info.duration == pytest.approx(2.4, abs=0.05)
    assert all(p.stage == "features" for p in seen)
    dones = [p.done for p in seen]
    assert dones == sorted(dones) and seen[-1].done == seen[-1].total == f.info.duration
    # scenes are told apart: within-scene distance < across-scene distance
    v = f.values
    d = np.linalg.norm(v[:, None] - v[None], axis=-1)
    scene = np.array([0, 0, 0, 1, 1])
    same = scene[:, None] == scene[None]
    assert d[same].max() < d[~same].min()
    assert _no_decoder_threads()


def test_decoding_options_reach_the_decoder(clip, lite0, monkeypatch):
    """Extraction decodes as it is told (default: the measured options for its device),
    and the features do not depend on how the frames were decoded."""
    seen = []
    real = decode.iter_samples

    def spy(*a, options=None, **kw):
        seen.append(options)
        return real(*a, options=options, **kw)

    monkeypatch.setattr(decode, "iter_samples", spy)
    one = decode.DecodeOptions(workers=1)
    a = extract_features(clip, backbone=lite0, device="cpu", decoding=one)
    b = extract_features(clip, backbone=lite0, device="cpu")
    assert seen == [one, decode.auto_options("cpu")]
    np.testing.assert_array_equal(a.frame_indices, b.frame_indices)
    np.testing.assert_allclose(a.values, b.values, rtol=1e-5, atol=1e-5)


def test_prefetch_matches_plain_and_resize_mode(clip, lite0):
    # on the CPU: a GPU's TF32 convolutions differ by batch size beyond 1e-4
    a = extract_features(clip, backbone=lite0, preprocess="resize", batch_size=64, device="cpu")
    b = extract_features(
        clip, backbone=lite0, preprocess="resize", batch_size=3, prefetch=False, device="cpu"
    )
    np.testing.assert_allclose(a.values, b.values, rtol=1e-4, atol=1e-4)
    c = extract_features(clip, backbone=lite0, preprocess="crop", batch_size=64, device="cpu")
    assert not np.allclose(a.values, c.values)


def test_cancel_stops_extraction(clip, lite0):
    token = CancelToken()
    batches = []

    def progress(p):
        if p.done > 0:
            batches.append(p.done)
            token.cancel()

    with pytest.raises(Cancelled):
        extract_features(clip, backbone=lite0, batch_size=1, progress=progress, cancel=token)
    assert len(batches) == 1
    assert _no_decoder_threads()
    pre = CancelToken()
    pre.cancel()
    with pytest.raises(Cancelled):
        extract_features(clip, backbone=lite0, cancel=pre)


def test_cache_hit_skips_decoding(clip, lite0, monkeypatch, tmp_path):
    cache = FeatureCache(tmp_path / "fc")
    first = extract_features(clip, backbone="efficientnet-lite0", cache=cache, batch_size=64)
    assert not first.from_cache and len(list(cache.root.glob("*.npz"))) == 1

    def no_decoding(*a, **k):
        raise AssertionError("decoded on a cache hit")

    monkeypatch.setattr(decode, "iter_samples", no_decoding)
    monkeypatch.setattr(featmod, "load_backbone", no_decoding)
    notes = []
    hit = extract_features(clip, backbone="efficientnet-lite0", cache=cache, messages=notes)
    assert hit.from_cache and "cache" in notes[0]
    np.testing.assert_array_equal(hit.values, first.values)
    np.testing.assert_array_equal(hit.frame_indices, first.frame_indices)
    # another setting is another entry (and needs decoding)
    with pytest.raises(AssertionError, match="decoded"):
        extract_features(clip, backbone="efficientnet-lite0", cache=cache, rate=1.0)


def test_damaged_cache_entry_is_rebuilt(clip, lite0, tmp_path):
    cache = FeatureCache(tmp_path / "fc")
    first = extract_features(clip, backbone=lite0, cache=cache, batch_size=64)
    (entry,) = cache.root.glob("*.npz")
    entry.write_bytes(entry.read_bytes()[:100])
    again = extract_features(clip, backbone=lite0, cache=cache, batch_size=64)
    assert not again.from_cache
    np.testing.assert_allclose(again.values, first.values, rtol=1e-5, atol=1e-5)
    assert extract_features(clip, backbone=lite0, cache=cache).from_cache


def test_random_weights_never_cached(clip, tmp_path):
    cache = FeatureCache(tmp_path / "fc")
    bb = load_backbone("efficientnet-lite0", "cpu", random_weights=True)
    f = extract_features(clip, backbone=bb, cache=cache, batch_size=64)
    assert f.values.shape == (5, 1280)
    assert not cache.root.exists() or not list(cache.root.glob("*.npz"))


class _FakeCudaBackbone(Backbone):
    """Pretends to live on a GPU that runs out of memory; the real work runs on the CPU."""

    def to(self, device):
        self.device = torch.device(device)
        return self

    def preprocess(self, images, mode="crop", device=None):
        return super().preprocess(images, mode, device=None)

    def embed(self, batch):
        if self.device.type == "cuda":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 1 GiB")
        return super().embed(batch)


def test_cuda_oom_falls_back_to_cpu(clip, lite0, monkeypatch):
    lite0.to("cpu")  # on a GPU machine an earlier test may have moved the shared module
    fake = _FakeCudaBackbone(
        lite0.name,
        lite0.dim,
        lite0.module,
        torch.device("cpu"),
        lite0.mean,
        lite0.std,
        lite0.weights_id,
        lite0.reason,
    )
    ref = extract_features(clip, backbone=lite0, batch_size=64, device="cpu")
    monkeypatch.setattr(featmod, "choose_device", lambda pref: torch.device("cuda"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    # (no CUDA here to make the network's stream on; test_gpu.py checks the real one)
    monkeypatch.setattr(featmod, "own_stream", lambda device, state: contextlib.nullcontext())
    messages, notes = [], []
    f = extract_features(
        clip,
        backbone=fake,
        device="cuda",
        batch_size=2,
        progress=lambda p: p.message and messages.append(p.message),
        messages=notes,
    )
    assert notes == messages
    assert f.values.shape == (5, 1280)
    np.testing.assert_allclose(f.values, ref.values, rtol=1e-4, atol=1e-4)
    assert len(messages) == 1 and "CPU" in messages[0]
    assert fake.device.type == "cpu"


def test_missing_video_is_input_error(tmp_path, lite0):
    with pytest.raises(InputVideoError):
        extract_features(tmp_path / "nope.mp4", backbone=lite0)


def test_bad_arguments(clip, lite0):
    with pytest.raises(ValueError):
        extract_features(clip, backbone=lite0, preprocess="squash")
    with pytest.raises(ValueError):
        extract_features(clip, backbone=lite0, rate=0)


def test_auto_offline_notes_the_choice(clip, monkeypatch, tmp_path):
    from trim_desktop.core import backbones as bbm

    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    monkeypatch.setattr(bbm, "RESNET50_URL", "http://127.0.0.1:9/resnet50-0676ba61.pth")
    try:
        notes = []
        f = extract_features(clip, backbone="auto", batch_size=64, messages=notes)
    finally:
        torch.hub.set_dir(old)
    assert f.backbone == "efficientnet-lite0" and f.values.shape[1] == 1280
    assert "not on this computer" in f.backbone_reason
    assert notes and notes[0].startswith("Backbone efficientnet-lite0")
