"""ONNX Runtime trial: is ORT float32 faster than torch for efficientnet-lite0 on the CPU?

Loads the real efficientnet-lite0 :class:`Backbone`, exports its embedding network
(NCHW float32 224x224 after preprocessing, dynamic batch) with the TorchScript-based
exporter to a temp dir, then runs torch (the product path: ``Backbone.embed``, float32,
channels-last) and ONNX Runtime (graph optimisation ALL) on the same 64 preprocessed
real frames of resources/sample.mp4, for batch 8 / 32 and 1 / 2 intra-op threads.

Prints samples/s medians over ``--reps`` timed passes (after one warm-up pass) and the
min cosine similarity between the torch and ORT feature vectors.

    .venv/bin/python benchmarks/onnx_trial.py [--reps 5] [--frames 64]

Needs ``pip install onnxruntime onnx`` (not product dependencies).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trim_desktop.core import decode  # noqa: E402
from trim_desktop.core.backbones import load_backbone  # noqa: E402


def real_frames(bb, n: int, mode: str = "crop") -> torch.Tensor:
    path = ROOT / "resources" / "sample.mp4"
    imgs = []
    # Sample densely enough to get n frames from the short sample clip.
    for rate in (2.0, 8.0, 30.0):
        imgs = [s.image for s in decode.iter_samples(path, rate=rate, size=bb.decode_size(mode))]
        if len(imgs) >= n:
            break
    if not imgs:
        raise SystemExit("no frames decoded")
    while len(imgs) < n:  # very short clip: repeat frames
        imgs = imgs + imgs
    return bb.preprocess(np.stack(imgs[:n]), mode=mode)


def export(bb, dst: Path) -> None:
    dummy = torch.zeros(2, 3, bb.input_size, bb.input_size)
    with torch.inference_mode(False), torch.no_grad():
        torch.onnx.export(
            bb.module,
            (dummy,),
            str(dst),
            input_names=["input"],
            output_names=["features"],
            dynamic_axes={"input": {0: "batch"}, "features": {0: "batch"}},
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )


def ort_session(model: Path, threads: int):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(model), sess_options=so, providers=["CPUExecutionProvider"])


def run_torch(bb, x: torch.Tensor, batch: int) -> np.ndarray:
    out = [bb.embed(x[i : i + batch]) for i in range(0, len(x), batch)]
    return torch.cat(out).numpy()


def run_ort(sess, x: np.ndarray, batch: int) -> np.ndarray:
    out = [sess.run(None, {"input": x[i : i + batch]})[0] for i in range(0, len(x), batch)]
    return np.concatenate(out)


def timed(fn, n: int, reps: int):
    fn()  # warm-up
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates), rates


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    cos = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return float(cos.min())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--frames", type=int, default=64)
    ap.add_argument("--batches", default="8,32")
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args(argv)

    import onnx
    import onnxruntime as ort

    bb = load_backbone("efficientnet-lite0", device="cpu")
    x = real_frames(bb, args.frames)
    xn = x.numpy().copy()
    print(
        f"torch {torch.__version__}, onnxruntime {ort.__version__}, onnx {onnx.__version__}; "
        f"{len(x)} frames {tuple(x.shape[1:])}, weights {bb.weights_id}"
    )

    with tempfile.TemporaryDirectory() as tmp:
        model = Path(tmp) / "lite0.onnx"
        t0 = time.perf_counter()
        export(bb, model)
        print(f"export {time.perf_counter() - t0:.1f} s, {model.stat().st_size / 1e6:.1f} MB")

        batches = [int(b) for b in args.batches.split(",")]
        threads = [int(t) for t in args.threads.split(",")]
        rows = []
        worst = 1.0
        before = torch.get_num_threads()
        try:
            for th in threads:
                torch.set_num_threads(th)
                sess = ort_session(model, th)
                for b in batches:
                    ref = run_torch(bb, x, b)
                    got = run_ort(sess, xn, b)
                    cos = min_cosine(ref, got)
                    worst = min(worst, cos)
                    t_med, t_all = timed(lambda b=b: run_torch(bb, x, b), len(x), args.reps)
                    o_med, o_all = timed(lambda b=b, s=sess: run_ort(s, xn, b), len(x), args.reps)
                    rows.append((b, th, t_med, o_med, cos))
                    print(
                        f"batch {b:>2} threads {th}: torch {t_med:6.1f}/s "
                        f"[{' '.join(f'{r:.1f}' for r in t_all)}]  ort {o_med:6.1f}/s "
                        f"[{' '.join(f'{r:.1f}' for r in o_all)}]  "
                        f"x{o_med / t_med:.2f}  min cos {cos:.7f}",
                        flush=True,
                    )
                del sess
        finally:
            torch.set_num_threads(before)

    print("\n| batch | threads | torch samples/s | ORT samples/s | ORT / torch | min cosine |")
    print("|---:|---:|---:|---:|---:|---:|")
    for b, th, t, o, c in rows:
        print(f"| {b} | {th} | {t:.1f} | {o:.1f} | {o / t:.2f}x | {c:.7f} |")
    best_t = max(r[2] for r in rows)
    best_o = max(r[3] for r in rows)
    ok = best_o >= 1.4 * best_t and worst >= 0.9999
    print(
        f"\nbest torch {best_t:.1f}/s, best ORT {best_o:.1f}/s -> x{best_o / best_t:.2f}; "
        f"min cosine {worst:.7f}; success (>=1.4x, cos>=0.9999): {ok}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
