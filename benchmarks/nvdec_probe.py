"""Can this machine decode on the GPU (NVDEC through PyAV's hwaccel), and how fast?

Run on the lent GPU machine (benchmarks/gpu_check.sh): every variant decodes the whole
file and prints one JSON line, so a failing variant does not hide the others.

  cpu            libavcodec on the CPU, frame threads (the "decode once" yardstick)
  nvdec-download NVDEC, every frame copied back to system memory (PyAV's default)
  nvdec-device   NVDEC, frames stay in GPU memory (``is_hw_owned``)
  nvdec-sample   as nvdec-device, and every 15th frame turned into a 224x224 RGB tensor
                 on the GPU (NV12 -> RGB -> resize), as the feature stage would
  nvdec-chunks-N N decoders side by side on N stretches of the file (NVDEC engines)
  match          one frame's RGB from the GPU path against the CPU path (mean abs diff)
"""

from __future__ import annotations

import json
import sys
import threading
import time

import av


def _hw(owned: bool, current: bool = False):
    """NVDEC settings. ``current``: use the thread's current CUDA context (torch's) instead
    of the primary one, which FFmpeg refuses once torch holds it with other flags."""
    from av.codec.hwaccel import HWAccel

    opts = {"primary_ctx": "0", "current_ctx": "1"} if current else None
    return HWAccel("cuda", allow_software_fallback=False, is_hw_owned=owned, options=opts)


def _decode(path, hwaccel=None, threads=0, start=None, end=None, every=0, sink=None, skip=None):
    """Frames decoded (pts in [start, end) when given) and the seconds it took."""
    t0 = time.perf_counter()
    n = 0
    with av.open(path, hwaccel=hwaccel) as c:
        s = c.streams.video[0]
        if threads != 1:
            s.thread_type = "AUTO"
            s.codec_context.thread_count = threads
        if skip:
            s.codec_context.skip_frame = skip
        if start is not None:
            c.seek(start, stream=s, backward=True, any_frame=False)
        for f in c.decode(s):
            if end is not None and f.pts is not None and f.pts >= end:
                break
            if start is not None and f.pts is not None and f.pts < start:
                continue
            n += 1
            if every and n % every == 1 and sink is not None:
                sink(f)
    return n, time.perf_counter() - t0, (s.codec_context.is_hwaccel, f.format.name)


def nv12_to_rgb(frame, size=224):
    """A CUDA NV12 frame as a (3, size, size) float tensor in [0, 1] (BT.601, limited)."""
    import torch
    import torch.nn.functional as F

    y = torch.from_dlpack(frame.planes[0]).float()
    uv = torch.from_dlpack(frame.planes[1]).float()  # (H/2, W/2, 2)
    uv = uv.permute(2, 0, 1).unsqueeze(0) - 128.0
    uv = F.interpolate(uv, size=y.shape, mode="nearest")[0]
    y = (y - 16.0) * (255.0 / 219.0)
    u, v = uv[0] * (255.0 / 224.0), uv[1] * (255.0 / 224.0)
    rgb = torch.stack([y + 1.402 * v, y - 0.344136 * u - 0.714136 * v, y + 1.772 * u])
    rgb = (rgb / 255.0).clamp(0, 1).unsqueeze(0)
    if size is None:
        return rgb[0]
    return F.interpolate(
        rgb, size=(size, size), mode="bilinear", antialias=True, align_corners=False
    )[0]


def main(path: str) -> None:
    from av.codec.hwaccel import hwdevices_available

    print(json.dumps({"pyav": av.__version__, "hwdevices": hwdevices_available()}), flush=True)

    def report(name, fn):
        try:
            n, secs, how = fn()
            print(
                json.dumps(
                    {
                        "variant": name,
                        "frames": n,
                        "seconds": round(secs, 3),
                        "fps": round(n / secs, 1),
                        "hw": how,
                    }
                ),
                flush=True,
            )
        except Exception as err:  # noqa: BLE001 - a probe: say what failed, go on
            print(
                json.dumps({"variant": name, "error": f"{type(err).__name__}: {err}"}), flush=True
            )

    report("cpu", lambda: _decode(path))
    report("nvdec-device", lambda: _decode(path, _hw(True), threads=1))
    report("nvdec-device-nonref", lambda: _decode(path, _hw(True), threads=1, skip="NONREF"))
    with av.open(path) as c:
        s = c.streams.video[0]
        total = int(s.duration)
        first = s.start_time or 0

    def chunks(n_dec, current=False, every=0, sink=None):
        bounds = [first + total * i // n_dec for i in range(n_dec + 1)]
        results = [None] * n_dec

        def work(i):
            try:
                if current:
                    import torch

                    torch.cuda.set_device(0)
                    torch.zeros(1, device="cuda")  # makes torch's context current here
                results[i] = _decode(
                    path,
                    _hw(True, current),
                    threads=1,
                    start=bounds[i] if i else None,
                    end=bounds[i + 1] if i + 1 < n_dec else None,
                    every=every,
                    sink=sink,
                )
            except Exception as err:  # noqa: BLE001 - reported below
                results[i] = err

        t0 = time.perf_counter()
        threads = [threading.Thread(target=work, args=(i,)) for i in range(n_dec)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in results:
            if isinstance(r, Exception):
                raise r
        if every:
            import torch

            torch.cuda.synchronize()
        return (sum(r[0] for r in results), time.perf_counter() - t0, results[0][2])

    for n_dec in (4, 8, 16):  # before torch touches CUDA (primary context is free)
        report(f"nvdec-chunks-{n_dec}", lambda n_dec=n_dec: chunks(n_dec))
    try:
        import torch

        torch.zeros(1, device="cuda")
        out = []

        def sink(f):
            out.append(nv12_to_rgb(f))

        report("torch-ctx nvdec-sample", lambda: chunks(1, True, 15, sink))
        report("torch-ctx nvdec-chunks-8", lambda: chunks(8, True))
        report("torch-ctx nvdec-chunks-8-sample", lambda: chunks(8, True, 15, sink))
        print(json.dumps({"sampled": len(out)}), flush=True)
    except Exception as err:  # noqa: BLE001
        print(json.dumps({"variant": "torch-ctx", "error": repr(err)}), flush=True)

    try:  # the GPU conversion against the CPU's (swscale) for one frame
        import numpy as np
        import torch

        with av.open(path) as c:
            cpu = next(c.decode(video=0)).to_ndarray(format="rgb24")
        with av.open(path, hwaccel=_hw(True, current=True)) as c:
            gpu = nv12_to_rgb(next(c.decode(video=0)), size=None)
        ref = torch.from_numpy(cpu).permute(2, 0, 1).float().unsqueeze(0) / 255.0
        diff = (gpu.cpu() - ref[0]).abs()
        print(
            json.dumps(
                {
                    "variant": "match",
                    "mean_abs": float(diff.mean()) * 255,
                    "max_abs": float(diff.max()) * 255,
                    "cpu_shape": list(cpu.shape),
                    "gpu_shape": list(gpu.shape),
                }
            ),
            flush=True,
        )
        np.save("/tmp/match_cpu.npy", cpu)
    except Exception as err:  # noqa: BLE001
        print(json.dumps({"variant": "match", "error": repr(err)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
