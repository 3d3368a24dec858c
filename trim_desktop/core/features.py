"""Frame features for TRIM: sampled frames -> frozen backbone -> (n, D) float32.

Decoding (PyAV, mostly C code that releases the GIL) runs in a background thread and
fills a small bounded queue while the network works on the previous batch, so the two
costs overlap instead of adding up. The decoder resizes while converting to RGB
(libswscale), so preprocessing only crops and normalises.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional, Union

import numpy as np
import torch

from . import decode, onnx_backbone, quality
from .backbones import (
    LITE0_ID,
    PREPROCESS_MODES,
    Backbone,
    load_backbone,
    resnet50_weights_id,
    resnet50_weights_local,
)
from .cache import FeatureCache
from .device import available_cpus, choose_device, run_with_cpu_fallback, torch_threads
from .errors import InputVideoError
from .feature_set import Features
from .onnx_backbone import check_engine
from .progress import CancelToken, ProgressFn, check, report

log = logging.getLogger(__name__)

_QUEUE_BATCHES = 2
"""Decoded batches waiting for the network on the CPU: enough to hide jitter, little memory."""
_GPU_QUEUE_BATCHES = 16
"""On a GPU: room for 512 decoded samples (~100 MB at 256 x 256), so decoding goes on
while CUDA starts up (the first batch waits for it) instead of stalling after two batches."""


class _End:
    """Queue marker: the decoder is done."""


@dataclass
class _Failed:
    """Queue marker: the decoder raised ``error`` (re-raised in the caller's thread)."""

    error: BaseException


def cpu_inference_threads() -> int:
    """Torch threads for CPU inference: one core fewer than we may use (min 1).

    The decoder thread and the GUI need a core; OpenMP threads that share a core spin
    at their barriers. Measured on the 2-core dev machine (busy with other work):
    1 thread 16.7 s vs 2 threads 25.6 s for a 60 s 720p video, and 40% less CPU time.
    """
    return max(1, available_cpus() - 1)


@contextmanager
def _torch_threads(on_gpu: bool = False):
    """Set the CPU thread count for one extraction, then restore the caller's.

    On the CPU: the inference threads. On a GPU: one thread (the CPU only stacks and
    copies pixels there, and idle OpenMP threads would spin against the decoders); a
    CUDA failure that moves the work to the CPU half way sets the inference threads
    then (see ``_run``).
    """
    with torch_threads(1 if on_gpu else cpu_inference_threads()):
        yield


def without_cudnn():
    """Run the backbone on CUDA without cuDNN: PyTorch's own convolution kernels.

    Measured on the H100 (efficientnet-lite0, batches of 32): cuDNN spends ~2 s on the
    first batch of every thread and ~1.9 s on every new batch size (its kernel choice
    for ~50 different convolutions), 4.6 s of a 10-min video's 38 batches; without it
    the first batch takes 0.19 s, a new size 0.01 s, and a batch 18 ms instead of 5 ms
    (0.9 s in all, hidden behind decoding). Same float32 arithmetic (no TF32).
    """
    return torch.backends.cudnn.flags(enabled=False)


@contextmanager
def own_stream(device: torch.device, state: dict):
    """Run the network's CUDA work on a stream of its own (kept in ``state``), after the
    work already queued (the weights' upload).

    Why: the NVDEC decoders (FFmpeg) copy every frame on CUDA's legacy default stream and
    wait for it, and a sampled frame's download holds the GIL while it waits. With the
    network on that stream too, each decoder waited for the batch being computed: on the
    H200 the app's NVDEC decoding ended at 4.97 s where the decoders alone took 2.7 s, a
    gap the size of the network's 2.4 s. torch's own streams do not wait for the legacy
    one (nor it for them).
    """
    streams = state.setdefault("streams", {})
    stream = streams.get(str(device))
    if stream is None:
        stream = streams[str(device)] = torch.cuda.Stream(device)
    stream.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(stream):
        yield stream


def _batches(path, rate, size, batch_size, cancel, options: decode.DecodeOptions):
    batch = []
    for s in decode.iter_samples(path, rate=rate, size=size, cancel=cancel, options=options):
        batch.append(s)
        if len(batch) >= batch_size:
            yield batch
            batch = []
    if batch:
        yield batch


def _prefetched(gen_factory, cancel: Optional[CancelToken], maxsize: int = _QUEUE_BATCHES):
    """Run ``gen_factory()`` in a thread; yield its items here, re-raising its errors.

    The consumer stopping early (exception, cancel, generator closed) stops the thread.
    """
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def worker():
        gen = None
        try:
            gen = gen_factory()
            for item in gen:
                if not put(item):
                    return
            put(_End)
        except BaseException as err:  # noqa: BLE001 - handed to the consumer
            put(_Failed(err))
        finally:
            if gen is not None:
                gen.close()

    t = threading.Thread(target=worker, name="trim-decode", daemon=True)
    t.start()
    try:
        while True:
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                check(cancel)
                if not t.is_alive() and q.empty():
                    raise RuntimeError("decoder thread ended without a result") from None
                continue
            if item is _End:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        try:
            while True:
                q.get_nowait()
        except queue.Empty:
            pass
        t.join(timeout=10)


def _planned_identity(backbone, weights_path) -> Optional[tuple]:
    """(name, weights_id) known without building the network, or None (auto/undecided)."""
    if isinstance(backbone, Backbone):
        return None if backbone.random_weights else (backbone.name, backbone.weights_id)
    name = (backbone or "auto").lower()
    if name == "efficientnet-lite0":
        return name, LITE0_ID
    if name in ("resnet50", "auto"):
        local = resnet50_weights_local(weights_path)
        if local is not None and local.is_file():
            return "resnet50", resnet50_weights_id(local)
    return None


def _cache_key(cache: FeatureCache, path, name, weights_id, preprocess, rate) -> Optional[str]:
    try:
        return cache.key(
            path, backbone=name, weights=weights_id, preprocess=preprocess, rate=float(rate)
        )
    except OSError as err:
        log.warning("feature cache skipped: %s", err)
        return None


def extract_features(
    path,
    backbone: Union[str, Backbone] = "auto",
    preprocess: str = "crop",
    rate: float = 2.0,
    device="auto",
    batch_size: int = 32,
    weights_path=None,
    cache: Optional[FeatureCache] = None,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    *,
    allow_download: bool = True,
    prefetch: bool = True,
    messages: Optional[list] = None,
    engine: str = "auto",
    decoding: Optional[decode.DecodeOptions] = None,
) -> Features:
    """Sample ``path`` at ``rate`` per second and run the backbone over the samples.

    ``backbone`` is a name for :func:`load_backbone` or an already loaded
    :class:`Backbone` (the GUI keeps one between runs). With a ``cache`` a hit returns
    at once (``from_cache=True``) without decoding; random-weight backbones are never
    cached. A CUDA failure mid-way continues on the CPU (reported as a "features"
    progress message). ``messages`` (a list) collects notes for the user: the backbone
    "auto" chose and why, a CPU fallback, a cache that could not be written.
    ``engine`` "auto" (default: ONNX Runtime on the CPU when it is installed, 3.6x
    faster than torch on 2 cores with the same features, else torch) | "torch" |
    "onnx" (see :mod:`.onnx_backbone`); where ONNX cannot be used (GPU, export or
    check failed) the run goes on with torch and a note.
    Its features match torch's (cosine >= 0.9999), so they share cache entries.
    ``decoding``: how the frames are decoded (default :func:`decode.auto_options` for
    the device: parallel decoders, NVDEC on CUDA with few cores); same samples either way.
    Raises InputVideoError, WeightsError, DeviceError, Cancelled.
    """
    notes = messages if messages is not None else []
    if preprocess not in PREPROCESS_MODES:
        raise ValueError(f"preprocess must be one of {PREPROCESS_MODES}, not {preprocess!r}")
    if not rate > 0:
        raise ValueError("rate must be positive")
    batch_size = max(1, int(batch_size))
    engine = check_engine(engine)
    check(cancel)
    info = decode.probe(path)
    dev = choose_device(device)
    if engine == "auto":
        engine = (
            "onnx"
            if torch.device(dev).type == "cpu" and onnx_backbone.onnx_runtime_installed()
            else "torch"
        )
    reason = ""

    key = None
    planned = _planned_identity(backbone, weights_path) if cache is not None else None
    if planned is not None and cache is not None:
        key = _cache_key(cache, path, planned[0], planned[1], preprocess, rate)
        hit = cache.get(key) if key else None
        if hit is not None:
            notes.append(f"Features of {hit.backbone} loaded from the cache.")
            return dataclasses.replace(hit, info=info, from_cache=True)

    # Built on the CPU; the move to ``dev`` happens inside the CPU-fallback guard, so a
    # GPU too small even for the weights still ends in a result.
    if isinstance(backbone, Backbone):
        bb = backbone
    else:
        bb = load_backbone(
            backbone,
            "cpu",
            weights_path=weights_path,
            progress=progress,
            allow_download=allow_download,
            cancel=cancel,
        )
    reason = bb.reason
    if isinstance(backbone, str) and backbone.lower() == "auto":
        notes.append(f"Backbone {bb.name}: {reason}.")
    if cache is not None and key is None and not bb.random_weights:
        key = _cache_key(cache, path, bb.name, bb.weights_id, preprocess, rate)
        hit = cache.get(key) if key else None
        if hit is not None:
            notes.append(f"Features of {hit.backbone} loaded from the cache.")
            return dataclasses.replace(hit, info=info, from_cache=True, backbone_reason=reason)

    values, indices, times, picture = _run(
        path,
        bb,
        preprocess,
        rate,
        dev,
        batch_size,
        info.duration,
        progress,
        cancel,
        prefetch,
        notes,
        engine,
        decoding,
    )
    feats = Features(
        values=values,
        frame_indices=indices,
        timestamps=times,
        backbone=bb.name,
        preprocess=preprocess,
        rate=float(rate),
        info=info,
        from_cache=False,
        backbone_reason=reason,
        quality=picture,
    )
    if (
        cache is not None
        and key is not None
        and not bb.random_weights
        and not cache.put(key, feats)
    ):
        notes.append(f"Features not cached: {cache.last_problem}.")
    return feats


def _run(
    path,
    bb: Backbone,
    preprocess,
    rate,
    dev,
    batch_size,
    duration,
    progress,
    cancel,
    prefetch,
    notes: list,
    engine: str = "torch",
    decoding: Optional[decode.DecodeOptions] = None,
):
    size = bb.decode_size(preprocess)
    state = {"device": dev, "onnx": _onnx_engine(bb, dev, notes) if engine == "onnx" else None}

    def on_onnx(images: np.ndarray) -> Optional[np.ndarray]:
        emb = state["onnx"]
        if emb is None or state["device"].type != "cpu":
            return None
        try:
            with torch.inference_mode():
                x = bb.preprocess(images, preprocess)
            return emb.embed_numpy(x)
        except Exception as err:  # noqa: BLE001 - ORT errors: go on with torch
            state["onnx"] = None
            notes.append(f"ONNX Runtime failed ({type(err).__name__}); continuing with torch.")
            return None

    def fell_back(message: str) -> None:
        state["device"] = torch.device("cpu")
        torch.set_num_threads(cpu_inference_threads())  # (restored by _torch_threads)
        notes.append(message)
        report(progress, "features", done, total, message=message)

    def infer(images: np.ndarray):
        out = on_onnx(images)
        if out is not None:
            return out

        def on(d: torch.device) -> np.ndarray:
            bb.to(d)
            if d.type == "cuda":
                with torch.inference_mode(), own_stream(d, state), without_cudnn():
                    return bb.embed(bb.preprocess(images, preprocess, device=d)).cpu().numpy()
            with torch.inference_mode():
                return bb.embed(bb.preprocess(images, preprocess, device=d)).cpu().numpy()

        return run_with_cpu_fallback(on, state["device"], fell_back)

    total = float(duration) if duration and duration > 0 else 0.0
    done = 0.0
    chunks: list[np.ndarray] = []
    idx: list[int] = []
    ts: list[float] = []
    pictures: list[np.ndarray] = []
    grey = None  # the last sample's grey copy (quality.measure's motion column)
    report(progress, "features", 0.0, total)
    on_cpu = state["device"].type == "cpu"
    options = decoding or decode.auto_options(state["device"])
    factory = lambda: _batches(path, rate, size, batch_size, cancel, options)  # noqa: E731
    source = (
        _prefetched(factory, cancel, _QUEUE_BATCHES if on_cpu else _GPU_QUEUE_BATCHES)
        if prefetch
        else factory()
    )
    try:
        with _torch_threads(on_gpu=not on_cpu):
            for batch in source:
                check(cancel)
                images = np.stack([s.image for s in batch])
                measures, grey = quality.measure(images, grey)
                pictures.append(measures)
                out = infer(images)
                chunks.append(out.astype(np.float32, copy=False))
                idx.extend(s.index for s in batch)
                ts.extend(s.time for s in batch)
                done = max(done, float(batch[-1].time))
                if total:
                    done = min(done, total)
                report(progress, "features", done, total)
                check(cancel)
    finally:
        if hasattr(source, "close"):
            source.close()
    if not chunks:
        raise InputVideoError(f"Cannot read '{path}': no frames could be sampled")
    report(progress, "features", total or done, total or done)
    return (
        np.concatenate(chunks, axis=0),
        np.asarray(idx, dtype=np.int64),
        np.asarray(ts, dtype=np.float64),
        quality.finish(np.concatenate(pictures, axis=0)),
    )


def _onnx_engine(bb: Backbone, dev, notes: list):
    """The ONNX Runtime embedder for this run, or None (torch) with a note saying why."""
    if torch.device(dev).type != "cpu":
        notes.append("ONNX Runtime engine is CPU-only; using torch on the GPU.")
        return None
    try:
        return onnx_backbone.embedder_for(bb, threads=cpu_inference_threads())
    except onnx_backbone.OnnxUnavailable as err:
        notes.append(f"ONNX Runtime engine not used ({err}); using torch.")
        return None


__all__ = ["Features", "extract_features"]
