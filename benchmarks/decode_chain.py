"""Where the time of the feature stage goes on this machine (decode, conversion, device).

    python -m benchmarks.decode_chain VIDEO

Prints: decoding every frame once (the yardstick), the sampling chain with the RGB
conversion inline or in 4 threads, the sampling chain with 1, 2, 4, ... parallel chunk
decoders (core/decode/parallel.py; the cores shared out among them), the CUDA start-up cost (GPU
machines), and the whole feature stage. One process, cache off; one run of each.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def best(fn, reps=2):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return min(out)


def main(path: str) -> None:
    import torch

    from benchmarks.run import decode_once
    from trim_desktop.core import decode, features
    from trim_desktop.core.backbones import load_backbone

    print(f"decode once (all threads)          {best(lambda: decode_once(path), 1):6.2f} s")
    for conv in (0, 4):

        def chain(conv=conv):
            for _ in decode.iter_samples(
                path, 2.0, (256, 256), options=decode.DecodeOptions(convert_workers=conv)
            ):
                pass

        print(f"sampling chain, converters {conv}: {best(chain, 1):6.2f} s", flush=True)
    from trim_desktop.core.cpus import available_cpus

    workers = 2
    while workers <= available_cpus():

        def chunked(workers=workers):
            for _ in decode.iter_samples(
                path, 2.0, (256, 256), options=decode.DecodeOptions(workers=workers)
            ):
                pass

        print(
            f"sampling chain, {workers:2d} chunk decoders x "
            f"{max(1, available_cpus() // workers)} threads: {best(chunked, 1):6.2f} s",
            flush=True,
        )
        workers *= 2
    bb = load_backbone("efficientnet-lite0", "cpu")
    if torch.cuda.is_available():
        t = time.perf_counter()
        torch.zeros(1, device="cuda")
        t1 = time.perf_counter()
        bb.to("cuda")
        with torch.inference_mode():
            bb.embed(bb.preprocess(torch.zeros(32, 256, 256, 3, dtype=torch.uint8), device="cuda"))
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        print(f"CUDA context {t1 - t:.2f} s, backbone to GPU + first batch {t2 - t1:.2f} s")
        bb.to("cpu")
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    t = time.perf_counter()
    f = features.extract_features(path, bb, device=dev)
    print(f"feature stage on {dev} (n = {f.n}): {time.perf_counter() - t:6.2f} s")


if __name__ == "__main__":
    main(sys.argv[1])
