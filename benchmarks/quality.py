"""Quality benchmark: does the summary keep the events, skip junk, keep each thing once?

One command: ``.venv/bin/python -m benchmarks.quality [--out DIR] [--seeds N]``.

Videos (``benchmarks/quality_videos.py``, built from real clips read in place, cached
outside the repo): "events" (six 3-5 s clips inside ~6 min of a street camera), "junk"
(black stretches and still title slates between real footage), "repeats" (one 3 s clip five
times among six distinct clips), "transnet" (a real 212 s clip with ~120 cuts, as it is).
For each video the pipeline runs once (features from the cache, the model's scores, KTS
shots); then every METHOD picks a summary at the default 15 % budget:

- model:   the app's selection fed the model's scores (``select_app``)
- random:  the same selection fed uniform random per-sample scores (N seeds; mean, min, max)
- uniform: evenly spaced ~3 s pieces filling the budget (ignores the scores)
- paper:   the field's 0/1 knapsack over shots (``select_paper``; today's build_summary)

"CLEARLY BEATS RANDOM" (fixed before any figure was measured): on a video's headline
metric, the model's figure is better than the random-score mean by more than
max(2 x the random std over seeds, a floor), where the headline metric and floor are:
events -> event recall (floor: one event), junk -> junk seconds kept (floor 1 s),
repeats -> repeated seconds kept (floor 1 s), transnet -> share of kept time whose model
score is in the upper half (floor 0.05; this clip has no importance ground truth, so the
test is whether the kept time is where the curve is high). Every video where the model
does not clearly beat random is listed at the end of the report.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import sys
import time
from pathlib import Path

import numpy as np

DT = 0.04  # time grid of the metrics, seconds (one frame at 25 fps)
BUDGET = 0.15  # the app's default
UNIFORM_PIECE_S = 3.0
SEEDS = 5
METHODS = ("model", "random", "uniform", "paper")
IDEAL = {"event_recall": 1.0, "junk_s": 0.0, "repeat_s": 0.0, "upper_half": 1.0}
HEADLINE = {  # video -> (metric, "higher" | "lower" is better, floor of "clearly")
    "events": ("event_recall", "higher", None),  # floor = 1 / number of events
    "junk": ("junk_s", "lower", 1.0),
    "repeats": ("repeat_s", "lower", 1.0),
    "transnet": ("upper_half", "higher", 0.05),
}
METRIC_LABELS = [
    ("event_recall", "event recall"),
    ("events_kept", "events kept"),
    ("junk_s", "junk s"),
    ("repeat_s", "repeated s"),
    ("budget_used", "budget used"),
    ("upper_half", "upper half"),
    ("jaccard_model", "Jaccard vs model"),
]


# ------------------------------------------------------------------ metric helpers
# Kept time is a list of (start, end) seconds; every metric works on a DT grid.


def _cell(t: float, dt: float = DT) -> int:
    """Grid index of time ``t`` (half up, so equal lengths give equal cell counts)."""
    return int(np.floor(t / dt + 0.5 + 1e-9))


def time_mask(intervals, duration: float, dt: float = DT) -> np.ndarray:
    """Boolean grid over [0, duration): cell i (time i*dt) is inside some interval."""
    n = _cell(duration, dt)
    m = np.zeros(n, dtype=bool)
    for a, b in intervals:
        lo, hi = max(0, _cell(a, dt)), min(n, _cell(b, dt))
        if hi > lo:
            m[lo:hi] = True
    return m


def jaccard(a, b, duration: float, dt: float = DT) -> float:
    """Frame Jaccard of two kept-interval lists (1.0 when both are empty)."""
    ma, mb = time_mask(a, duration, dt), time_mask(b, duration, dt)
    union = np.count_nonzero(ma | mb)
    return 1.0 if union == 0 else float(np.count_nonzero(ma & mb) / union)


def segments_to_intervals(segments) -> list[tuple[float, float]]:
    """The selected segments of a select.Summary as (start, end) seconds."""
    return [(float(s.start_time), float(s.end_time)) for s in segments if s.selected]


def _occurrences(truth: dict) -> dict[str, list[tuple[float, float]]]:
    """Event id -> every interval that shows it (the event itself, then its repeats)."""
    occ: dict[str, list] = {}
    for e in truth.get("events", []):
        occ.setdefault(e["id"], []).append((e["start"], e["end"]))
    for r in truth.get("repeats", []):
        occ.setdefault(r["repeat_of"], []).append((r["start"], r["end"]))
    return occ


def event_kept_seconds(kept_mask: np.ndarray, truth: dict, dt: float = DT) -> dict[str, float]:
    """Seconds kept of each event: the best of its copies (a repeat shows the same thing)."""
    out = {}
    for eid, spans in _occurrences(truth).items():
        out[eid] = max(
            float(np.count_nonzero(kept_mask[_cell(a, dt) : _cell(b, dt)])) * dt for a, b in spans
        )
    return out


def event_counts_as_kept(kept_s: float, length: float) -> bool:
    """An event is kept with >= 1 s of it, or >= half of an event shorter than 2 s."""
    return kept_s + 1e-9 >= min(1.0, 0.5 * length)


def repeated_seconds(kept_mask: np.ndarray, truth: dict, dt: float = DT) -> float:
    """Seconds of a second, third... copy kept while another copy of the same moment is
    kept too: copies are aligned by offset, and at each offset k kept copies count k - 1."""
    total = 0.0
    for spans in _occurrences(truth).values():
        if len(spans) < 2:
            continue
        n = min(_cell(b, dt) - _cell(a, dt) for a, b in spans)
        stack = np.stack([kept_mask[_cell(a, dt) : _cell(a, dt) + n] for a, _ in spans])
        total += float(np.clip(stack.sum(axis=0) - 1, 0, None).sum()) * dt
    return total


def score_grid(timestamps, scores, duration: float, dt: float = DT) -> np.ndarray:
    """Sample scores held constant up to the next sample, on the DT grid."""
    ts = np.asarray(timestamps, dtype=np.float64)
    t = np.arange(_cell(duration, dt)) * dt
    idx = np.clip(np.searchsorted(ts, t + 1e-9, side="right") - 1, 0, len(ts) - 1)
    return np.asarray(scores, dtype=np.float64)[idx]


def metrics(
    kept,
    truth: dict,
    duration: float,
    budget: float,
    timestamps=None,
    model_scores=None,
    dt: float = DT,
) -> dict:
    """Every figure of one summary (kept intervals) against the video's ground truth."""
    m = time_mask(kept, duration, dt)
    kept_s = float(np.count_nonzero(m)) * dt
    per_event = event_kept_seconds(m, truth, dt)
    length = {e["id"]: e["end"] - e["start"] for e in truth.get("events", [])}
    hits = [eid for eid, s in per_event.items() if event_counts_as_kept(s, length.get(eid, s))]
    junk = time_mask([(j["start"], j["end"]) for j in truth.get("junk", [])], duration, dt)
    out = {
        "kept_s": kept_s,
        "event_recall": len(hits) / len(per_event) if per_event else float("nan"),
        "events_kept": len(hits),
        "events_total": len(per_event),
        "junk_s": float(np.count_nonzero(m & junk)) * dt,
        "repeat_s": repeated_seconds(m, truth, dt),
        "budget_used": kept_s / (budget * duration) if duration > 0 else float("nan"),
        "upper_half": float("nan"),
    }
    if model_scores is not None and kept_s > 0:
        g = score_grid(timestamps, model_scores, duration, dt)[: len(m)]
        high = g >= np.median(np.asarray(model_scores, dtype=np.float64))
        out["upper_half"] = float(np.count_nonzero(m & high) / np.count_nonzero(m))
    return out


def uniform_pieces(duration: float, budget: float, piece_s: float = UNIFORM_PIECE_S):
    """Evenly spaced pieces of about ``piece_s`` seconds filling the budget exactly."""
    total = budget * duration
    n = max(1, int(round(total / piece_s)))
    length = total / n
    step = duration / n
    return [((k + 0.5) * step - length / 2, (k + 0.5) * step + length / 2) for k in range(n)]


def clearly_beats(
    model_value: float, random_values, better: str, floor: float, ideal: float | None = None
) -> dict:
    """The verdict of the definition above, with the figures it used. ``tie_at_ideal``
    marks a "no" where model and every random seed already reach ``ideal`` (the video
    then cannot tell the scores apart; the verdict stays "no")."""
    r = np.asarray(random_values, dtype=np.float64)
    mean = float(r.mean())
    std = float(r.std(ddof=1)) if r.size > 1 else 0.0
    margin = max(2.0 * std, floor)
    gain = (model_value - mean) if better == "higher" else (mean - model_value)
    return {
        "model": float(model_value),
        "random_mean": mean,
        "random_std": std,
        "margin": margin,
        "gain": float(gain),
        "clearly": bool(gain > margin),
        "tie_at_ideal": bool(
            ideal is not None
            and abs(model_value - ideal) < 1e-9
            and np.all(np.abs(r - ideal) < 1e-9)
        ),
    }


# ------------------------------------------------------------------ selections


def _selection_field() -> bool:
    from trim_desktop.core import pipeline

    return any(f.name == "selection" for f in dataclasses.fields(pipeline.SummarizeSettings))


def _select_with(features, scores, shots, budget: float, selection: str):
    """pipeline.select with ``selection`` when the pipeline has the setting, else None."""
    from trim_desktop.core import pipeline

    if not _selection_field():
        return None
    params = inspect.signature(pipeline.select).parameters
    kwargs = {}
    if "budget" in params:
        kwargs["budget"] = budget
    if "selection" in params:
        kwargs["selection"] = selection
    elif "settings" in params:
        kwargs["settings"] = pipeline.SummarizeSettings(budget=budget, selection=selection)
    else:
        return None
    return pipeline.select(features, scores, shots, **kwargs)


def select_app(features, scores, shots, budget: float):
    """The app's selection (the ONE place this script calls it): ``selection="app"``
    once the pipeline has that setting, else today's build_summary (the knapsack)."""
    summary = _select_with(features, scores, shots, budget, "app")
    if summary is not None:
        return summary
    from trim_desktop.core.select import summary_from_features

    return summary_from_features(features, scores, shots, budget)


def select_paper(features, scores, shots, budget: float):
    """The field's 0/1 knapsack (``selection="paper"``, or build_summary before it existed)."""
    summary = _select_with(features, scores, shots, budget, "paper")
    if summary is not None:
        return summary
    from trim_desktop.core.select import summary_from_features

    return summary_from_features(features, scores, shots, budget)


def selection_label(summary) -> str:
    """Which selection produced ``summary`` ("knapsack (before the selection setting)")."""
    extra = getattr(summary, "extra", {}) or {}
    return str(extra.get("selection") or "knapsack (no selection setting yet)")


# ------------------------------------------------------------------ the run


def run_video(path: Path, truth: dict, seeds: int, budget: float) -> dict:
    from trim_desktop.core import pipeline

    settings = pipeline.SummarizeSettings(budget=budget)
    t0 = time.perf_counter()
    features = pipeline.extract(path, settings)
    t1 = time.perf_counter()
    scores, _, device = pipeline.score(features, settings)
    t2 = time.perf_counter()
    shots = pipeline.shots_for(features, settings)
    t3 = time.perf_counter()
    duration = float(truth["duration"])
    ts = features.timestamps

    def figures(summary_or_kept, model_kept=None):
        kept = (
            summary_or_kept
            if isinstance(summary_or_kept, list)
            else segments_to_intervals(summary_or_kept.segments)
        )
        f = metrics(kept, truth, duration, budget, ts, scores)
        f["jaccard_model"] = 1.0 if model_kept is None else jaccard(kept, model_kept, duration)
        return f, kept

    app = select_app(features, scores, shots, budget)
    model, model_kept = figures(app)
    paper_summary = select_paper(features, scores, shots, budget)
    paper, _ = figures(paper_summary, model_kept)
    uniform, _ = figures(uniform_pieces(duration, budget), model_kept)
    rand_runs = []
    for seed in range(seeds):
        rnd = np.random.default_rng(seed).random(len(scores)).astype(np.float32)
        rand_runs.append(figures(select_app(features, rnd, shots, budget), model_kept)[0])
    t4 = time.perf_counter()
    random = {
        k: {
            "mean": float(np.mean([r[k] for r in rand_runs])),
            "std": float(np.std([r[k] for r in rand_runs], ddof=1)) if seeds > 1 else 0.0,
            "min": float(np.min([r[k] for r in rand_runs])),
            "max": float(np.max([r[k] for r in rand_runs])),
        }
        for k in rand_runs[0]
    }
    name = truth["name"]
    metric, better, floor = HEADLINE[name]
    if floor is None:
        floor = 1.0 / max(1, len(truth["events"]))
    verdict = clearly_beats(
        model[metric], [r[metric] for r in rand_runs], better, floor, IDEAL.get(metric)
    )
    verdict.update(metric=metric, better=better)
    return {
        "name": name,
        "video": str(path),
        "duration": duration,
        "samples": int(len(scores)),
        "shots": int(len(shots)),
        "device": device,
        "features_from_cache": bool(getattr(features, "from_cache", False)),
        "score_std": float(np.std(scores)),
        "selection_app": selection_label(app),
        "selection_paper": selection_label(paper_summary),
        "model": model,
        "model_kept": model_kept,
        "paper": paper,
        "uniform": uniform,
        "random": random,
        "random_runs": rand_runs,
        "verdict": verdict,
        "seconds": {"features": t1 - t0, "score": t2 - t1, "shots": t3 - t2, "select_all": t4 - t3},
    }


def _fmt(key: str, v: float) -> str:
    if v != v:  # nan
        return "-"
    if key == "events_kept":
        return f"{v:.1f}" if abs(v - round(v)) > 1e-9 else f"{int(round(v))}"
    if key in ("junk_s", "repeat_s"):
        return f"{v:.1f}"
    return f"{v:.2f}"


def _verdict_word(v: dict) -> str:
    if v["clearly"]:
        return "yes"
    return "**no** (tie: random is already ideal)" if v.get("tie_at_ideal") else "**no**"


def markdown(results: list[dict]) -> str:
    """The doc's tables, exactly as docs/quality.md shows them."""
    head = "| video | method | " + " | ".join(lbl for _, lbl in METRIC_LABELS) + " |"
    lines = [head, "|" + "---|" * (2 + len(METRIC_LABELS))]
    for r in results:
        for meth in METHODS:
            if meth == "random":
                cells = [
                    f"{_fmt(k, r['random'][k]['mean'])} ({_fmt(k, r['random'][k]['min'])}"
                    f"-{_fmt(k, r['random'][k]['max'])})"
                    for k, _ in METRIC_LABELS
                ]
            else:
                cells = [_fmt(k, r[meth][k]) for k, _ in METRIC_LABELS]
            if meth == "model":
                cells[1] += f" / {r['model']['events_total']}"
            lines.append(f"| {r['name']} | {meth} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| video | headline metric | model | random mean (std) | needed gain | "
        "clearly beats random? |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        v = r["verdict"]
        k = v["metric"]
        lines.append(
            f"| {r['name']} | {k} ({v['better']} is better) | {_fmt(k, v['model'])} | "
            f"{_fmt(k, v['random_mean'])} ({_fmt(k, v['random_std'])}) | "
            f"> {_fmt(k, v['margin'])} | {_verdict_word(v)} |"
        )
    losers = [r["name"] for r in results if not r["verdict"]["clearly"]]
    lines += [
        "",
        "Videos where the model does not clearly beat random: "
        + (", ".join(losers) if losers else "none")
        + ".",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    from benchmarks import quality_videos as qv

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).parent / "results" / "quality",
        help="folder for quality.json and quality.md (no videos go there)",
    )
    ap.add_argument("--seeds", type=int, default=SEEDS, help="random-score seeds")
    ap.add_argument("--budget", type=float, default=BUDGET)
    ap.add_argument("--only", nargs="*", help="video names to run (default: all)")
    args = ap.parse_args(argv)
    missing = qv.missing_sources()
    if missing:
        print("quality benchmark: missing clips: " + "; ".join(missing), file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    videos = qv.build_all()
    t_build = time.perf_counter() - t0
    results = []
    for path, truth in videos:
        if args.only and truth["name"] not in args.only:
            continue
        r = run_video(path, truth, args.seeds, args.budget)
        s = r["seconds"]
        print(
            f"{r['name']}: {r['duration']:.0f} s, {r['samples']} samples, {r['shots']} shots, "
            f"features {s['features']:.1f} s{' (cache)' if r['features_from_cache'] else ''}, "
            f"score {s['score']:.1f} s, shots {s['shots']:.1f} s, selections "
            f"{s['select_all']:.1f} s; app selection: {r['selection_app']}",
            flush=True,
        )
        results.append(r)
    total = time.perf_counter() - t0
    md = markdown(results)
    print()
    print(md)
    print(f"\nbuild/check videos {t_build:.1f} s, total {total:.1f} s")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "quality.md").write_text(md + "\n")
    (args.out / "quality.json").write_text(
        json.dumps(
            {
                "budget": args.budget,
                "seeds": args.seeds,
                "dt": DT,
                "headline": HEADLINE,
                "seconds_total": total,
                "seconds_build": t_build,
                "videos": results,
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
