"""Optional ONNX Runtime engine for a :class:`~trim_desktop.core.backbones.Backbone`.

Opt-in (``extract_features(..., engine="onnx")``); torch stays the default. Measured on
the 2-core dev machine (docs/benchmarks.md, "ONNX Runtime trial"): efficientnet-lite0
float32 runs 3-5x faster under ONNX Runtime than under torch, with features within
cosine 0.9999999 of torch's.

The embedding network is exported once (TorchScript-based exporter, dynamic batch) into
``<feature cache>/onnx/``, keyed by the backbone's weights id, the onnxruntime version
and :data:`EXPORT_VERSION`. Before first use in a process the session is checked against
torch on a fixed random batch; a file that cannot be loaded or fails the check is
rebuilt once. Random-weight backbones are exported in memory, never written to disk.
Any failure raises :class:`OnnxUnavailable`; callers fall back to torch with a note.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import re
import time
import warnings
from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from .cache import default_cache_root

log = logging.getLogger(__name__)

ENGINES = ("auto", "torch", "onnx")
EXPORT_VERSION = 1
"""Bump when the export (opset, graph, input/output names) changes."""
OPSET = 17
MIN_COSINE = 0.9999
"""Every verification feature must be at least this close to torch's."""
_VERIFY_BATCH = 2
_VERIFY_SEED = 1234


class OnnxUnavailable(RuntimeError):
    """The ONNX engine cannot be used here (not installed, export or check failed)."""


def onnx_runtime_installed() -> bool:
    """Both onnxruntime (to run) and onnx (to export once) can be imported."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))


def check_engine(engine: str) -> str:
    engine = (engine or "auto").lower()
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    return engine


def onnx_cache_dir() -> Path:
    """Where exported models live: a subfolder of the feature cache folder
    (``FeatureCache.clear`` only removes .npz entries, so it leaves these alone)."""
    return default_cache_root() / "onnx"


def _ort():
    try:
        import onnxruntime as ort
    except Exception as err:  # noqa: BLE001 - ImportError or a broken binary
        raise OnnxUnavailable(f"onnxruntime is not installed ({type(err).__name__})") from err
    return ort


def model_file(bb, cache_dir=None) -> Optional[Path]:
    """The exported model's path for ``bb``, or None when it is not cached on disk."""
    if bb.random_weights or not bb.weights_id:
        return None
    ort = _ort()
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{bb.weights_id}-ort{ort.__version__}")
    root = Path(cache_dir) if cache_dir is not None else onnx_cache_dir()
    return root / f"{safe}-v{EXPORT_VERSION}.onnx"


def _export_bytes(bb) -> bytes:
    """The backbone's embedding network as an ONNX model (input NCHW float32, dynamic N)."""
    if bb.device.type != "cpu":
        raise OnnxUnavailable("the ONNX engine runs on the CPU only")
    buf = io.BytesIO()
    dummy = torch.zeros(_VERIFY_BATCH, 3, bb.input_size, bb.input_size)
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            # torch's stub says a path; torch.onnx.export documents and takes a file object
            torch.onnx.export(
                bb.module,
                (dummy,),
                buf,  # type: ignore[arg-type]
                input_names=["input"],
                output_names=["features"],
                dynamic_axes={"input": {0: "batch"}, "features": {0: "batch"}},
                opset_version=OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
    except Exception as err:  # noqa: BLE001 - exporter errors come in many types
        raise OnnxUnavailable(f"ONNX export failed ({type(err).__name__}: {err})") from err
    return buf.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


class OnnxEmbedder:
    """``embed(batch)`` like :meth:`Backbone.embed` (float32), run by ONNX Runtime."""

    def __init__(self, session, dim: int, threads: int, source: str):
        self.session = session
        self.dim = dim
        self.threads = threads
        self.source = source  # the model file, or "memory"

    def embed_numpy(self, batch) -> np.ndarray:
        x = batch.detach().cpu().numpy() if isinstance(batch, torch.Tensor) else batch
        x = np.ascontiguousarray(x, dtype=np.float32)
        return self.session.run(None, {"input": x})[0]

    def embed(self, batch) -> torch.Tensor:
        return torch.from_numpy(self.embed_numpy(batch))


def _session(ort, model, threads: int):
    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, int(threads))
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    return ort.InferenceSession(
        model if isinstance(model, bytes) else str(model),
        sess_options=so,
        providers=["CPUExecutionProvider"],
    )


def _verify(bb, emb: OnnxEmbedder) -> None:
    """Compare with torch on a fixed random batch; raise OnnxUnavailable if off."""
    g = torch.Generator().manual_seed(_VERIFY_SEED)
    x = torch.randn(_VERIFY_BATCH, 3, bb.input_size, bb.input_size, generator=g)
    ref = bb.embed(x).double().numpy()
    got = emb.embed_numpy(x.numpy()).astype(np.float64)
    if got.shape != ref.shape:
        raise OnnxUnavailable(f"ONNX output shape {got.shape} != torch {ref.shape}")
    cos = (ref * got).sum(1) / (np.linalg.norm(ref, axis=1) * np.linalg.norm(got, axis=1) + 1e-30)
    if not np.all(np.isfinite(cos)) or float(cos.min()) < MIN_COSINE:
        raise OnnxUnavailable(f"ONNX features differ from torch (cosine {float(cos.min()):.6f})")


def build_embedder(bb, threads: int = 1, cache_dir=None) -> OnnxEmbedder:
    """An ORT embedder for ``bb`` checked against torch; exports/rebuilds as needed.

    Raises :class:`OnnxUnavailable` on any failure (the caller falls back to torch).
    """
    ort = _ort()
    path = model_file(bb, cache_dir)
    if path is None:  # random weights: in memory only
        emb = OnnxEmbedder(
            _make_session(ort, _export_bytes(bb), threads), bb.dim, threads, "memory"
        )
        _verify(bb, emb)
        return emb
    if path.is_file():
        try:
            emb = OnnxEmbedder(_make_session(ort, path, threads), bb.dim, threads, str(path))
            _verify(bb, emb)
            return emb
        except OnnxUnavailable as err:
            log.warning("exported model %s is unusable (%s); rebuilding it", path, err)
    data = _export_bytes(bb)
    model: Union[Path, bytes]
    try:
        _write_atomic(path, data)
        source, model = str(path), path
    except OSError as err:  # read-only cache: still usable from memory
        log.warning("exported model not saved to %s: %s", path, err)
        source, model = "memory", data
    emb = OnnxEmbedder(_make_session(ort, model, threads), bb.dim, threads, source)
    _verify(bb, emb)
    return emb


def _make_session(ort, model, threads):
    try:
        return _session(ort, model, threads)
    except Exception as err:  # noqa: BLE001 - ORT raises its own exception types
        raise OnnxUnavailable(
            f"ONNX Runtime could not load the model ({type(err).__name__})"
        ) from err


def embedder_for(bb, threads: int = 1, cache_dir=None) -> OnnxEmbedder:
    """Like :func:`build_embedder`, kept on the backbone for later runs (the GUI keeps
    one Backbone between runs); a failure is remembered too, so it is not retried."""
    store = bb.__dict__.setdefault("_onnx_engines", {})
    key = (int(threads), str(cache_dir) if cache_dir is not None else None)
    hit = store.get(key)
    if isinstance(hit, OnnxEmbedder):
        return hit
    if isinstance(hit, OnnxUnavailable):
        raise hit
    try:
        emb = build_embedder(bb, threads, cache_dir)
    except OnnxUnavailable as err:
        store[key] = err
        raise
    store[key] = emb
    return emb


__all__ = [
    "ENGINES",
    "OnnxEmbedder",
    "OnnxUnavailable",
    "build_embedder",
    "check_engine",
    "embedder_for",
    "model_file",
    "onnx_cache_dir",
]
