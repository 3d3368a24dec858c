"""Does each loss weight do what its label says, and does the seed not matter? (issue: sliders)

For each video (features from the cache, KTS shots, the app's selection at 15 %):

* each term alone (PTRIM, PCTRIM, REP at weight 1, the others 0): Spearman of its scores
  with the term's own per-moment signal (Delta_t for PTRIM, Gamma_t for PCTRIM, and for REP
  "typicality": cosine of a moment's standardised features to the video's mean one; and
  REP~norm, with the length of the raw feature vector);
* term against term: Spearman of their scores and frame Jaccard of their summaries;
* the default preset ("auto") with seeds 0, 1, 2: Spearman of the scores, frame Jaccard
  of the summaries, share of scores pinned at 0 or 1; wall time of one training.

    .venv/bin/python -m benchmarks.training_terms VIDEO [VIDEO ...] [--regime video|paper]

Prints a markdown table (docs/training.md, "The one-video regime").
"""

from __future__ import annotations

import argparse
import itertools
import time

import numpy as np
from scipy.stats import spearmanr

from trim_desktop.core import pipeline
from trim_desktop.core import train as T
from trim_desktop.core.losses import VideoTargets

TERMS = {"PTRIM": (1.0, 0.0, 0.0), "PCTRIM": (0.0, 1.0, 0.0), "REP": (0.0, 0.0, 1.0)}


def typicality(values: np.ndarray) -> np.ndarray:
    """Cosine of each moment's standardised features to the mean of all moments' (unit) ones."""
    Z = (values - values.mean(0)) / (values.std(0) + 1e-6)
    Z /= np.linalg.norm(Z, axis=1, keepdims=True) + 1e-9
    return Z @ Z.mean(0)


def kept_frames(summary) -> set[int]:
    out: set[int] = set()
    for seg in summary.selected:
        out.update(range(seg.start_frame, seg.end_frame + 1))
    return out


def jaccard(a: set, b: set) -> float:
    return len(a & b) / max(1, len(a | b))


def train(values, settings: T.TrainSettings) -> tuple[np.ndarray, float]:
    t = time.perf_counter()
    r = T.train_on_video(values, settings)
    return r.scores.astype(np.float64), time.perf_counter() - t


def measure(path: str, regime: str) -> dict:
    s = pipeline.SummarizeSettings()
    feats = pipeline.extract(path, s)
    shots = pipeline.shots_for(feats, s)
    X = feats.values
    base = pipeline.train_settings_for(s, feats.info.duration).replace(regime=regime)
    if regime == "paper":
        base = base.replace(lr=T.DEFAULT_LR, steps2=T.DEFAULT_STEPS2, stage1=True)

    def summary(scores):
        return kept_frames(pipeline.select(feats, scores.astype(np.float32), shots, 0.15))

    targets = VideoTargets.build(X)
    signal = {"PTRIM": targets.delta.numpy(), "PCTRIM": targets.Gamma.numpy(), "REP": typicality(X)}
    alone = {
        name: train(X, base.replace(alpha=a, beta=b, gamma=g))[0]
        for name, (a, b, g) in TERMS.items()
    }
    row: dict = {"video": path.rsplit("/", 1)[-1], "n": len(X), "regime": regime}
    for name, sc in alone.items():
        lo = 1 if name != "REP" else 0  # Delta_1 = Gamma_1 = 0 are not signals
        row[f"{name}~signal"] = spearmanr(sc[lo:], signal[name][lo:])[0]
    row["REP~norm"] = spearmanr(alone["REP"], np.linalg.norm(X, axis=1))[0]
    sums = {name: summary(sc) for name, sc in alone.items()}
    for a, b in itertools.combinations(TERMS, 2):
        row[f"{a}|{b} rho"] = spearmanr(alone[a], alone[b])[0]
        row[f"{a}|{b} J"] = jaccard(sums[a], sums[b])
    seeds = [train(X, base.replace(seed=k)) for k in (0, 1, 2)]
    scores = [x[0] for x in seeds]
    row["seed rho"] = np.mean([spearmanr(a, b)[0] for a, b in itertools.combinations(scores, 2)])
    row["seed J"] = np.mean(
        [jaccard(summary(a), summary(b)) for a, b in itertools.combinations(scores, 2)]
    )
    row["pinned"] = float(np.mean([np.mean((sc > 0.999) | (sc < 0.001)) for sc in scores]))
    row["alone pinned"] = float(max(np.mean((sc > 0.999) | (sc < 0.001)) for sc in alone.values()))
    row["std"] = float(np.mean([sc.std() for sc in scores]))
    row["train s"] = float(np.median([x[1] for x in seeds]))
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("videos", nargs="+")
    ap.add_argument("--regime", choices=["video", "paper"], default="video")
    ap.add_argument("--lr", type=float, help="override the one-video regime's learning rate")
    ap.add_argument("--png", help="also draw each term alone on the first video (matplotlib)")
    ap.add_argument(
        "--between",
        nargs=2,
        metavar=("TERM", "TERM"),
        choices=list(TERMS),
        help="move the weights from one term alone to another on the first video",
    )
    args = ap.parse_args()
    ap_between = args.between
    if args.png:
        figure(args.videos[0], args.png)
        return
    if ap_between:
        between(args.videos[0], *ap_between)
        return
    if args.lr:
        T.VIDEO_LR = args.lr
        for k, v in list(T.PRESETS.items()):
            T.PRESETS[k] = v.replace(lr=args.lr)
    rows = [measure(v, args.regime) for v in args.videos]
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print(
            "| "
            + " | ".join(f"{r[c]:.2f}" if isinstance(r[c], float) else str(r[c]) for c in cols)
            + " |",
            flush=True,
        )


def between(path: str, a: str, b: str, steps: int = 5) -> None:
    """Weights moved from term ``a`` alone to term ``b`` alone in equal steps: Spearman of
    each step's scores with both ends and frame Jaccard of its summary with the previous
    step's (does the slider move the summary smoothly?)."""
    s = pipeline.SummarizeSettings()
    feats = pipeline.extract(path, s)
    shots = pipeline.shots_for(feats, s)
    base = pipeline.train_settings_for(s, feats.info.duration)
    wa, wb = np.array(TERMS[a]), np.array(TERMS[b])
    runs = []
    for k in range(steps):
        f = k / (steps - 1)
        alpha, beta, gamma = (1 - f) * wa + f * wb
        sc = train(feats.values, base.replace(alpha=alpha, beta=beta, gamma=gamma))[0]
        runs.append(
            (f, sc, kept_frames(pipeline.select(feats, sc.astype(np.float32), shots, 0.15)))
        )
    print(
        f"| {a} -> {b} share | Spearman with {a} alone | with {b} alone | J with the step before |"
    )
    print("|---|---|---|---|")
    for k, (f, sc, kept) in enumerate(runs):
        j = jaccard(kept, runs[k - 1][2]) if k else float("nan")
        print(
            f"| {f:.2f} | {spearmanr(sc, runs[0][1])[0]:.2f} | {spearmanr(sc, runs[-1][1])[0]:.2f} | {j:.2f} |"
        )


def figure(path: str, png: str) -> None:
    """Each term alone on one clip: its scores over time beside the signal it was measured
    against (docs/training.md). Needs matplotlib (not a dependency of the app)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    s = pipeline.SummarizeSettings()
    feats = pipeline.extract(path, s)
    X, t = feats.values, feats.timestamps
    base = pipeline.train_settings_for(s, feats.info.duration)
    targets = VideoTargets.build(X)
    signals = {
        "PTRIM": ("Delta_t (change from the moment before)", targets.delta.numpy()),
        "PCTRIM": ("Gamma_t (new against everything before)", targets.Gamma.numpy()),
        "REP": ("|X_t| (how strongly the picture's features stand out)", np.linalg.norm(X, axis=1)),
    }
    fig, axes = plt.subplots(3, 1, figsize=(12, 8), sharex=True)
    for ax, (name, (a, b, g)) in zip(axes, TERMS.items()):
        sc = T.train_on_video(X, base.replace(alpha=a, beta=b, gamma=g)).scores
        label, sig = signals[name]
        z = (sig - sig.mean()) / (sig.std() + 1e-12)
        ax.plot(
            t,
            (sc - sc.mean()) / (sc.std() + 1e-12),
            color="C0",
            lw=1.6,
            label=f"scores, {name} alone",
        )
        ax.plot(t, z, color="C1", lw=0.8, alpha=0.7, label=label)
        lo = 1 if name != "REP" else 0
        ax.set_title(
            f"{name} alone: Spearman with its signal {spearmanr(sc[lo:], sig[lo:])[0]:.2f}",
            fontsize=10,
        )
        ax.set_ylabel("z-score")
        ax.legend(loc="upper right", fontsize=8)
    axes[-1].set_xlabel(f"seconds ({path.rsplit('/', 1)[-1]})")
    fig.tight_layout()
    fig.savefig(png, dpi=80)
    print("wrote", png)


if __name__ == "__main__":
    main()
