"""Which steps / lr / schedule should one-video training use? (docs/training.md)

For each clip and candidate regime, trains with seeds 0, 1, 2 and reports:
std of the final scores, Spearman between seeds (mean of the 3 pairs), Jaccard of the
selected shots between seeds (KTS shots of the clip, knapsack at 15 %), whether the
losses have plateaued (relative change of the stage-2 loss over the last quarter of the
steps), and the wall time of one training.

    .venv/bin/python benchmarks/training_regime.py FEATS.npz [...]   # npz: values, ts, idx,
                                                                      # n_frames, duration, fps
Features: efficientnet-lite0, 2 samples/s (benchmarks/run.py --accuracy writes none; use
trim_desktop.core.features.extract_features and np.savez). Prints a markdown table.
"""

from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trim_desktop.core import train as T  # noqa: E402
from trim_desktop.core.kts import kts_shots  # noqa: E402
from trim_desktop.core.select import build_summary  # noqa: E402

REGIMES = {
    "old: lr1e-4 s1=10 s2=15": dict(lr=1e-4, steps1=10, steps2=15),
    "lr1e-4 s1=10 s2=50": dict(lr=1e-4, steps1=10, steps2=50),
    "lr1e-4 s1=0 s2=50": dict(lr=1e-4, steps1=0, steps2=50, stage1=False),
    "lr3e-4 cos s1=0 s2=50": dict(lr=3e-4, steps1=0, steps2=50, stage1=False, schedule="cosine"),
    "lr1e-4 s1=0 s2=100": dict(lr=1e-4, steps1=0, steps2=100, stage1=False),
}


def evaluate(z, preset: str, regime: dict, seeds=(0, 1, 2)) -> dict:
    X = z["values"]
    base = T.settings_for(preset, float(z["duration"]))
    shots = kts_shots(X, rate=2.0)
    scores, sels, times, plateau = [], [], [], []
    for seed in seeds:
        s = base.replace(seed=seed, **regime)
        t = time.perf_counter()
        r = T.train_on_video(X, s)
        times.append(time.perf_counter() - t)
        scores.append(r.scores)
        sm = build_summary(
            z["idx"],
            z["ts"],
            r.scores,
            shots,
            n_frames=int(z["n_frames"]),
            duration=float(z["duration"]),
            budget=0.15,
            fps=float(z["fps"]),
        )
        sels.append({int(x.index) for x in sm.selected})
        u = np.asarray(r.history.get("unsup", [np.nan]))
        q = max(1, len(u) // 4)
        plateau.append(abs(u[-1] - u[-q - 1]) / max(abs(u[-1]), 1e-9) if len(u) > q else np.nan)
    rho = [spearmanr(a, b)[0] for a, b in itertools.combinations(scores, 2)]
    jac = [len(a & b) / max(1, len(a | b)) for a, b in itertools.combinations(sels, 2)]
    return {
        "std": float(np.mean([s.std() for s in scores])),
        "rho_seed": float(np.mean(rho)),
        "rho_seed_min": float(np.min(rho)),
        "jaccard": float(np.mean(jac)),
        "plateau": float(np.nanmax(plateau)),
        "time_s": float(np.median(times)),
    }


def main(paths) -> None:
    print(
        "| clip (n) | preset | regime | std(p) | Spearman seeds mean/min | shots Jaccard seeds "
        "| last-quarter loss change | time/run |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for path in paths:
        z = dict(np.load(path))
        name = Path(path).stem
        presets = ["long"] if float(z["duration"]) >= T.AUTO_THRESHOLD_S else ["short", "long"]
        for preset in presets:
            for label, regime in REGIMES.items():
                r = evaluate(z, preset, regime)
                print(
                    f"| {name} ({len(z['values'])}) | {preset} | {label} | {r['std']:.3f} | "
                    f"{r['rho_seed']:.2f} / {r['rho_seed_min']:.2f} | {r['jaccard']:.2f} | "
                    f"{r['plateau']:.3f} | {r['time_s']:.1f} s |",
                    flush=True,
                )


if __name__ == "__main__":
    main(sys.argv[1:])
