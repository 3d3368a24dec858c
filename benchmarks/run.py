"""One command for the speed and scale targets (docs/benchmarks.md).

    .venv/bin/python -m benchmarks.run                 # 10-min 720p30: targets 1, 2, 4, 5 (3 runs, medians)
    .venv/bin/python -m benchmarks.run --quick         # 1-min 720p30, 1 run: smoke test (~2 min)
    .venv/bin/python -m benchmarks.run --real          # the same on real clips (camera-like bitrate)
    .venv/bin/python -m benchmarks.run --minutes 5     # the 5-minute per-stage table
    .venv/bin/python -m benchmarks.run --scale         # target 3: 1080p 15/60/120 min, peak RSS, linearity
    .venv/bin/python -m benchmarks.run --gui           # target 5 only

Videos are generated once with PyAV (benchmarks/videos.py) into $TRIM_BENCH_DIR
(default /tmp/trim_bench); a 10-min 720p30 file takes ~7 min to make on 2 busy cores.
Every measurement runs in a fresh subprocess (so peak RSS is that run's, and first-call
costs such as imports and loading the backbone are paid as a user pays them); the
feature cache is off. Speed is only ever checked here, never in the test suite.

Forcing a decoding strategy (A/B runs, benchmarks/ab_variants.py): the worker reads
``TRIM_DECODE_WORKERS=N`` (N parallel decoders; 1 = sequential) and ``TRIM_NVDEC=1/0``
(NVDEC on/off for CUDA runs) and hands them to the app as explicit decode options
(:func:`forced_decoding`); the app itself reads no such switch.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.videos import DEFAULT_DIR, bench_video, real_bench_video, repeat_video  # noqa: E402

PY = sys.executable


# ---------------------------------------------------------------- machine


def machine() -> dict:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu = platform.processor()
    import av
    import torch

    return {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "torch": torch.__version__,
        "pyav": av.__version__,
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
        "gpu": "none (no GPU in this machine: GPU figures not measured)"
        if not torch.cuda.is_available()
        else torch.cuda.get_device_name(0),
    }


# ---------------------------------------------------------------- worker (one subprocess)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def decode_once(path: str, threads=None) -> float:
    """Seconds to decode every video frame once, no conversion: the yardstick.

    ``threads`` None = the app's decoder setting (``decode.enable_threads``, one thread
    per core); 0 = libavcodec's own default (one more than the cores), for comparison.
    """
    from trim_desktop.core import decode

    t = time.perf_counter()
    c = decode.open_input(path)
    try:
        vs = decode.video_stream(c)
        decode.enable_threads(vs)
        if threads is not None:
            vs.thread_count = threads
        n = sum(1 for _ in decode.decode_frames(c, vs))
    finally:
        c.close()
    assert n > 0
    return time.perf_counter() - t


class StageClock:
    """Progress callback that records, per stage, the first and last report times."""

    def __init__(self) -> None:
        self.first: dict = {}
        self.last: dict = {}
        self.first_payload = None
        self.t0 = time.monotonic()

    def __call__(self, p) -> None:
        now = time.monotonic()
        self.first.setdefault(p.stage, now)
        self.last[p.stage] = now
        if self.first_payload is None and getattr(p, "payload", None) is not None:
            self.first_payload = now

    def durations(self) -> dict:
        return {k: self.last[k] - self.first[k] for k in self.first}


class _DecoderEvents(logging.Handler):
    """Counts the decoders' log lines during a run: whether NVDEC decoded, and whether
    a parallel decode fell back to the sequential one."""

    KEYS: ClassVar[dict[str, str]] = {
        "NVDEC decodes": "nvdec used",
        "NVDEC unavailable": "nvdec unavailable",
        "going on sequentially": "sequential fallback",
    }

    def __init__(self):
        super().__init__(logging.INFO)
        self.counts: dict = {}
        self.loggers = [logging.getLogger("trim_desktop.core.decode")]
        for lg in self.loggers:
            lg.setLevel(logging.INFO)
            lg.addHandler(self)

    def emit(self, record) -> None:
        text = record.getMessage()
        for key, name in self.KEYS.items():
            if key in text:
                self.counts[name] = self.counts.get(name, 0) + 1

    def close(self) -> dict:
        for lg in self.loggers:
            lg.removeHandler(self)
        super().close()
        return self.counts


def forced_decoding(env=os.environ, convert_workers=None):
    """Make the app's decode options follow the benchmark's switches (module docstring):
    wraps ``decode.auto_options``, which feature extraction asks for its options."""
    from trim_desktop.core import decode

    workers = env.get("TRIM_DECODE_WORKERS", "").strip()
    nvdec = env.get("TRIM_NVDEC", "").strip()
    if not workers.isdigit() and nvdec not in ("0", "1") and convert_workers is None:
        return
    auto = decode.auto_options

    def options(device="cpu"):
        o = auto(device)
        cuda = str(device).startswith("cuda")
        if workers.isdigit() and int(workers) > 0:
            o = dataclasses.replace(o, workers=int(workers))
        if nvdec in ("0", "1"):
            o = dataclasses.replace(o, nvdec_device=device if nvdec == "1" and cuda else None)
        if convert_workers is not None and cuda:
            o = dataclasses.replace(o, convert_workers=convert_workers)
        return o

    decode.auto_options = options


def worker(args) -> dict:
    # What the app's warm-up imports after its window is shown, before a user can click
    # Summarize (gui/main_window.py _start_warmup). Timed apart: the CLI pays it on top.
    t = time.perf_counter()
    import numpy as np
    import torch

    from trim_desktop.core import features, pipeline, train  # noqa: F401

    out: dict = {"path": args.path, "imports_s": time.perf_counter() - t}
    forced_decoding(convert_workers=args.convert_workers)
    out["device"] = (
        ("cuda: " + torch.cuda.get_device_name(0)) if torch.cuda.is_available() else "cpu"
    )
    if args.decode:
        out["decode_s"] = decode_once(args.path)
        if args.decode_default:
            out["decode_default_threads_s"] = decode_once(args.path, threads=0)
    settings = pipeline.SummarizeSettings(
        use_cache=False, backbone=args.backbone, engine=args.engine, device=args.device
    )
    clock = StageClock()
    events = _DecoderEvents()
    t = time.perf_counter()
    res = pipeline.summarize(args.path, settings, progress=clock)
    out["summarize_s"] = time.perf_counter() - t
    out["decoder_events"] = events.close()
    out["stages"] = clock.durations()
    out["n"] = int(res.features.n)
    out["duration"] = float(res.info.duration)
    out["backbone"] = res.features.backbone
    out["selected"] = [int(s.index) for s in res.summary.selected]
    out["rss_after_summarize_mb"] = _peak_rss_mb()
    if args.features_out:
        np.save(args.features_out, res.features.values)
    if args.slider:
        # what the GUI does when the REP slider moves: rescore from the features in memory
        base = pipeline.train_settings_for(settings, res.info.duration)
        new = settings.replace(gamma=(base.gamma or 1.0) * 0.5 + 0.5, beta=base.beta + 0.25)
        c2 = StageClock()
        t = time.perf_counter()
        kw = {"previous": res} if "previous" in pipeline.rescore.__code__.co_varnames else {}
        r2 = pipeline.rescore(res.features, new, shots=res.shots, progress=c2, **kw)
        out["slider_total_s"] = time.perf_counter() - t
        out["slider_first_curve_s"] = (c2.first_payload - c2.t0) if c2.first_payload else None
        out["slider_stages"] = c2.durations()
        res = r2
    if args.export:
        with tempfile.TemporaryDirectory() as d:
            dst = Path(d) / "summary.mp4"
            t = time.perf_counter()
            pipeline.export(args.path, res, dst)
            out["export_s"] = time.perf_counter() - t
            out["export_media_s"] = float(res.summary.selected_duration)
    out["peak_rss_mb"] = _peak_rss_mb()
    return out


ENGINE = "auto"  # set from --engine in main()
CONVERT_WORKERS = None  # set from --convert-workers in main()


def run_worker(
    path: Path,
    *,
    decode=True,
    slider=True,
    export=True,
    backbone="auto",
    features_out=None,
    timeout=3600,
    engine=None,
    decode_default=False,
) -> dict:
    engine = engine or ENGINE
    cmd = [
        PY,
        "-m",
        "benchmarks.run",
        "--worker",
        str(path),
        "--backbone",
        backbone,
        "--engine",
        engine,
    ]
    cmd += [] if decode else ["--no-decode"]
    cmd += [] if slider else ["--no-slider"]
    cmd += [] if export else ["--no-export"]
    cmd += ["--decode-default"] if decode_default else []
    if features_out:
        cmd += ["--features-out", str(features_out)]
    if CONVERT_WORKERS is not None:
        cmd += ["--convert-workers", str(CONVERT_WORKERS)]
    p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"worker failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- reports


def med(rows, key, sub=None):
    vals = [
        (r[key][sub] if sub else r[key])
        for r in rows
        if (r.get(key) is not None and (sub is None or sub in r[key]))
    ]
    return statistics.median(vals) if vals else float("nan")


def main_targets(minutes: float, reps: int, log=print, real: bool = False) -> dict:
    path = real_bench_video(minutes, log=log) if real else bench_video(minutes, 720, log=log)
    log(
        f"video: {path} ({minutes:g} min 720p30 H.264 + AAC, "
        f"{'real clips' if real else 'synthetic scenes'}, {path.stat().st_size / 1e6:.0f} MB)"
    )
    rows = []
    for i in range(reps):
        r = run_worker(path, decode_default=True)
        rows.append(r)
        log(
            f"  run {i + 1}/{reps}: decode {r['decode_s']:.1f} s "
            f"(libavcodec's default threads {r['decode_default_threads_s']:.1f} s), "
            f"summarize {r['summarize_s']:.1f} s, "
            f"slider first curve {r.get('slider_first_curve_s') or float('nan'):.2f} s / "
            f"done {r['slider_total_s']:.1f} s, export {r['export_s']:.1f} s, "
            f"peak RSS {r['peak_rss_mb']:.0f} MB"
        )
    dec, summ = med(rows, "decode_s"), med(rows, "summarize_s")
    res = {
        "video_minutes": minutes,
        "runs": reps,
        "n": rows[0]["n"],
        "backbone": rows[0]["backbone"],
        "device": rows[0].get("device"),
        "imports_s": med(rows, "imports_s"),
        "decode_s": dec,
        "decode_default_threads_s": med(rows, "decode_default_threads_s"),
        "summarize_s": summ,
        "ratio_summarize_over_decode": summ / dec,
        "ratio_cli_over_decode": (summ + med(rows, "imports_s")) / dec,
        "stages_s": {k: med(rows, "stages", k) for k in rows[0]["stages"]},
        "slider_first_curve_s": med(rows, "slider_first_curve_s"),
        "slider_total_s": med(rows, "slider_total_s"),
        "export_s": med(rows, "export_s"),
        "export_media_s": med(rows, "export_media_s"),
        "export_speed_x_realtime": med(rows, "export_media_s") / med(rows, "export_s"),
        "peak_rss_mb": med(rows, "peak_rss_mb"),
        "same_selection_across_runs": all(r["selected"] == rows[0]["selected"] for r in rows),
    }
    log("")
    log(f"== {minutes:g}-min 720p30, {res['n']} samples, {res['backbone']}, medians of {reps} ==")
    log(
        f"decode once            {dec:8.1f} s   (libavcodec's default threads: "
        f"{res['decode_default_threads_s']:.1f} s)"
    )
    log(f"device                 {res['device']}")
    log(
        f"summarize              {summ:8.1f} s   ratio {summ / dec:.2f}  (target <= 2.0 CPU, 1.2 GPU)"
    )
    log(
        f"  + imports (CLI only) {res['imports_s']:8.1f} s   ratio {res['ratio_cli_over_decode']:.2f}"
    )
    for k, v in res["stages_s"].items():
        log(f"  {k:20s} {v:8.2f} s")
    log(f"slider first curve     {res['slider_first_curve_s']:8.2f} s   (target <= 0.5)")
    log(f"slider training done   {res['slider_total_s']:8.2f} s   (target <= 5)")
    log(
        f"export 15%             {res['export_s']:8.1f} s for {res['export_media_s']:.0f} s of "
        f"video: {res['export_speed_x_realtime']:.1f}x real time (target >= 4)"
    )
    log(f"peak RSS               {res['peak_rss_mb']:8.0f} MB")
    return res


def gui_startup(reps: int, log=print) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        p = subprocess.run(
            [PY, "-m", "trim_desktop.gui.app", "--startup-time"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        wall = time.perf_counter() - t
        shown = None
        for line in p.stdout.splitlines():
            if line.startswith("window shown after"):
                shown = float(line.split()[3])
        times.append({"shown_s": shown, "process_wall_s": wall, "rc": p.returncode})
    res = {
        "shown_s": statistics.median(
            [t["shown_s"] for t in times if t["shown_s"] is not None] or [float("nan")]
        ),
        "process_wall_s": statistics.median(t["process_wall_s"] for t in times),
        "runs": times,
    }
    log(
        f"GUI: window shown after {res['shown_s']:.2f} s (median of {reps}; process start to "
        f"exit {res['process_wall_s']:.2f} s; target <= 2 s; QT_QPA_PLATFORM={env['QT_QPA_PLATFORM']})"
    )
    return res


SCALE_BASE_MINUTES = 15


def scale_video(minutes: float, log=print) -> Path:
    """1080p30 file of ``minutes``: encoded up to 15 min; longer multiples of 15 min are
    that file repeated (remuxed, no re-encode: encoding 2 h of 1080p takes ~40 min here)."""
    kw = dict(log=log, crf=30, preset="ultrafast", gop=300, audio=True)
    if minutes <= SCALE_BASE_MINUTES or minutes % SCALE_BASE_MINUTES:
        return bench_video(minutes, 1080, **kw)
    base = bench_video(SCALE_BASE_MINUTES, 1080, **kw)
    times = int(minutes // SCALE_BASE_MINUTES)
    return repeat_video(base, times, DEFAULT_DIR / f"bench_{minutes:g}min_1080p30.mp4", log=log)


def scale(minutes_list, log=print) -> dict:
    rows = []
    for m in minutes_list:
        path = scale_video(m, log)
        r = run_worker(path, decode=True, slider=False, export=False, timeout=6 * 3600)
        rows.append(
            {
                "minutes": m,
                "n": r["n"],
                "decode_s": r["decode_s"],
                "summarize_s": r["summarize_s"],
                "stages_s": r["stages"],
                "peak_rss_mb": r["peak_rss_mb"],
            }
        )
        log(
            f"  {m:g} min 1080p: n={r['n']}, decode {r['decode_s']:.0f} s, summarize "
            f"{r['summarize_s']:.0f} s ({r['summarize_s'] / (m * 60):.3f} s per video second), "
            f"peak RSS {r['peak_rss_mb']:.0f} MB; stages "
            + ", ".join(f"{k} {v:.1f}" for k, v in r["stages"].items())
        )
    return {"rows": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="1-min video, 1 run")
    ap.add_argument(
        "--real",
        action="store_true",
        help="720p video made of real clips (camera-like bitrate) instead of synthetic scenes",
    )
    ap.add_argument("--minutes", type=float, default=None, help="length of the 720p video (10)")
    ap.add_argument("--reps", type=int, default=None, help="runs per measurement (3)")
    ap.add_argument("--engine", default="auto", help="backbone runtime: auto, torch, onnx")
    ap.add_argument("--scale", action="store_true", help="1080p 15/60/120 min: memory, linearity")
    ap.add_argument("--scale-minutes", default="15,60,120")
    ap.add_argument("--gui", action="store_true", help="only the GUI start-up time")
    ap.add_argument(
        "--no-gui",
        dest="with_gui",
        action="store_false",
        help="skip the GUI start-up time (machines without PySide6)",
    )
    ap.add_argument("--json", default=None, help="also write the results here")
    # worker mode (internal)
    ap.add_argument("--worker", dest="path", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--backbone", default="auto", help=argparse.SUPPRESS)
    ap.add_argument("--device", default="auto", help=argparse.SUPPRESS)
    ap.add_argument(
        "--convert-workers",
        type=int,
        default=None,
        help="GPU runs: RGB conversion threads (default: decode.strategy.gpu_convert_workers())",
    )
    ap.add_argument("--no-decode", dest="decode", action="store_false", help=argparse.SUPPRESS)
    ap.add_argument("--no-slider", dest="slider", action="store_false", help=argparse.SUPPRESS)
    ap.add_argument("--no-export", dest="export", action="store_false", help=argparse.SUPPRESS)
    ap.add_argument("--decode-default", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--features-out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    global ENGINE, CONVERT_WORKERS
    ENGINE = args.engine
    CONVERT_WORKERS = args.convert_workers

    if args.path:
        print(json.dumps(worker(args)))
        return 0

    results: dict = {"machine": machine()}
    print("machine:", json.dumps(results["machine"]))
    reps = args.reps or (1 if args.quick else 3)
    if args.gui:
        results["gui"] = gui_startup(reps)
    elif args.scale:
        results["scale"] = scale([float(x) for x in args.scale_minutes.split(",")])
    else:
        minutes = args.minutes or (1.0 if args.quick else 10.0)
        results["targets"] = main_targets(minutes, reps, real=args.real)
        if args.with_gui:
            results["gui"] = gui_startup(reps)
    results["machine"]["load_after"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
