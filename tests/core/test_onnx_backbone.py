"""Opt-in ONNX Runtime engine: same features as torch, cached export, rebuild, fallback."""

import numpy as np
import pytest
import torch

from trim_desktop.core import onnx_backbone as ob
from trim_desktop.core.backbones import load_backbone
from trim_desktop.core.features import extract_features

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")


pytestmark = pytest.mark.usefixtures("cache_env")


@pytest.fixture
def lite0():
    return load_backbone("efficientnet-lite0", "cpu")  # fresh: no remembered engine


def _min_cos(a, b):
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    return float(((a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))).min())


def test_onnx_features_match_torch(clip, lite0):
    notes = []
    ref = extract_features(clip, lite0, device="cpu", batch_size=4, engine="torch")
    got = extract_features(clip, lite0, device="cpu", batch_size=4, engine="onnx", messages=notes)
    assert not any("ONNX" in n for n in notes), notes
    assert got.values.shape == ref.values.shape and got.values.dtype == np.float32
    np.testing.assert_array_equal(got.frame_indices, ref.frame_indices)
    assert _min_cos(got.values, ref.values) >= 0.9999
    path = ob.model_file(lite0)
    assert path.is_file() and path.parent == ob.onnx_cache_dir()
    assert lite0.weights_id in path.name


def test_torch_engine_writes_no_export_and_auto_uses_onnx(clip, lite0, monkeypatch):
    extract_features(clip, lite0, device="cpu", engine="torch")
    assert not ob.onnx_cache_dir().exists()
    # auto without ONNX Runtime installed: plain torch, nothing to tell the user
    installed = ob.onnx_runtime_installed
    monkeypatch.setattr(ob, "onnx_runtime_installed", lambda: False)
    notes = []
    extract_features(clip, lite0, device="cpu", messages=notes)
    assert not ob.onnx_cache_dir().exists() and not notes
    monkeypatch.setattr(ob, "onnx_runtime_installed", installed)
    extract_features(clip, lite0, device="cpu")  # auto on the CPU: ONNX Runtime
    assert ob.model_file(lite0).is_file()
    with pytest.raises(ValueError):
        extract_features(clip, lite0, device="cpu", engine="tensorrt")


def test_corrupt_export_is_rebuilt(lite0, tmp_path):
    first = ob.build_embedder(lite0, cache_dir=tmp_path)
    path = ob.model_file(lite0, tmp_path)
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 3] + b"\x00garbage")
    emb = ob.build_embedder(lite0, cache_dir=tmp_path)  # verified before use
    assert emb.source == str(path) and path.read_bytes() == good
    x = np.random.default_rng(0).standard_normal((3, 3, 224, 224)).astype(np.float32)
    assert _min_cos(emb.embed_numpy(x), first.embed_numpy(x)) >= 0.99999


def test_wrong_model_file_fails_check_and_is_rebuilt(lite0, tmp_path):
    other = load_backbone("efficientnet-lite0", "cpu", random_weights=True)
    path = ob.model_file(lite0, tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(ob._export_bytes(other))  # loads fine, wrong numbers
    emb = ob.build_embedder(lite0, cache_dir=tmp_path)
    g = np.random.default_rng(1).standard_normal((2, 3, 224, 224)).astype(np.float32)
    assert _min_cos(emb.embed_numpy(g), lite0.embed(torch.from_numpy(g)).numpy()) >= 0.9999


def test_failure_falls_back_to_torch(clip, lite0, monkeypatch):
    def broken(*a, **k):
        raise ob.OnnxUnavailable("export failed (test)")

    monkeypatch.setattr(ob, "_export_bytes", broken)
    notes = []
    ref = extract_features(clip, lite0, device="cpu")
    got = extract_features(clip, lite0, device="cpu", engine="onnx", messages=notes)
    assert any("ONNX Runtime engine not used" in n for n in notes)
    np.testing.assert_array_equal(got.values, ref.values)


def test_runtime_error_mid_run_continues_with_torch(clip, lite0, monkeypatch):
    emb = ob.embedder_for(lite0, threads=1)

    def boom(batch):
        raise RuntimeError("ORT blew up")

    monkeypatch.setattr(emb, "embed_numpy", boom)
    monkeypatch.setattr("trim_desktop.core.features.cpu_inference_threads", lambda: 1)
    notes = []
    got = extract_features(clip, lite0, device="cpu", engine="onnx", messages=notes)
    assert any("continuing with torch" in n for n in notes)
    ref = extract_features(clip, lite0, device="cpu")
    np.testing.assert_array_equal(got.values, ref.values)
