"""Timeline of one feature extraction: when the first batch was decoded and inferred,
when decoding ended, how long the network's calls took (wall and the main thread's
CPU), the whole stage.

    python -m benchmarks.feature_timeline VIDEO [--device cuda] [--cudnn]

Tells whether the stage waits for the decoder, for CUDA's start-up or for the network
(GIL waits show up as network wall time far above its CPU time). ``--cudnn`` runs the
backbone with cuDNN on GPUs (the app turns it off: features.without_cudnn). One run,
cache off. ``TRIM_NVDEC`` / ``TRIM_DECODE_WORKERS`` force the decoding as in
benchmarks/run.py.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--cudnn", action="store_true", help="keep cuDNN on for the backbone")
    args = ap.parse_args(argv)
    import torch

    from benchmarks.run import forced_decoding
    from trim_desktop.core import backbones, features

    forced_decoding()

    marks: dict = {"infer_wall": 0.0, "infer_cpu": 0.0, "batches": 0}
    t0 = time.perf_counter()

    real_batches = features._batches

    def batches(*a, **kw):
        for b in real_batches(*a, **kw):
            marks.setdefault("first_batch_decoded", time.perf_counter() - t0)
            yield b
        marks["decoding_done"] = time.perf_counter() - t0

    features._batches = batches

    if args.cudnn:
        import contextlib

        features.without_cudnn = contextlib.nullcontext

    def timed(real):
        """``real`` (a network call) timed when the main thread makes it; CUDA waited for."""

        def call(self, *a, **kw):
            if threading.current_thread() is not threading.main_thread():
                return real(self, *a, **kw)  # (checks in other threads: not timed)
            w, c = time.perf_counter(), time.thread_time()
            out = real(self, *a, **kw)
            if getattr(out, "is_cuda", False):
                torch.cuda.synchronize()
            marks["infer_wall"] += time.perf_counter() - w
            marks["infer_cpu"] += time.thread_time() - c
            marks["batches"] += 1
            marks.setdefault("first_batch_inferred", time.perf_counter() - t0)
            return out

        return call

    from trim_desktop.core import onnx_backbone

    backbones.Backbone.embed = timed(backbones.Backbone.embed)  # torch
    onnx_backbone.OnnxEmbedder.embed_numpy = timed(onnx_backbone.OnnxEmbedder.embed_numpy)

    bb = backbones.load_backbone("efficientnet-lite0", "cpu")
    t0 = time.perf_counter()
    f = features.extract_features(args.video, bb, device=args.device)
    total = time.perf_counter() - t0
    cudnn = "" if args.device == "cpu" else f", cuDNN {'on' if args.cudnn else 'off'}"
    print(f"device {args.device}{cudnn}, n = {f.n}: stage {total:.2f} s")
    for k in ("first_batch_decoded", "first_batch_inferred", "decoding_done"):
        if k in marks:
            print(f"  {k:22s} at {marks[k]:6.2f} s")
    print(
        f"  network calls: {marks['batches']}, wall {marks['infer_wall']:.2f} s, "
        f"main-thread CPU {marks['infer_cpu']:.2f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
