"""Which loss weights make the best summaries of the quality videos? (derives the presets)

For every video of benchmarks/quality_videos.py and every weighting (each term alone, the
presets), trains the one-video regime, selects with the app's selection at 15 % and prints
the quality figures of benchmarks/quality.py: event recall, events kept, junk and repeated
seconds, and the share of kept time whose score is in the upper half.

    .venv/bin/python -m benchmarks.preset_sweep
"""

from __future__ import annotations

import numpy as np

from benchmarks import quality as Q
from benchmarks import quality_videos as qv
from trim_desktop.core import pipeline

WEIGHTS = {
    "PTRIM alone": (1.0, 0.0, 0.0),
    "PCTRIM alone": (0.0, 1.0, 0.0),
    "REP alone": (0.0, 0.0, 1.0),
    "paper TVSum 1/0/5": (1.0, 0.0, 5.0),
    "paper SumMe 1/0.5/0": (1.0, 0.5, 0.0),
    "eq. 10 1/5/0.5": (1.0, 5.0, 0.5),
    "1/1/0": (1.0, 1.0, 0.0),
    "1/1/0.5": (1.0, 1.0, 0.5),
}


def main() -> None:
    print(
        "| video | weights (PTRIM/PCTRIM/REP) | event recall | events kept | junk s | repeated s | upper half |"
    )
    print("|---|---|---|---|---|---|---|")
    for path, truth in qv.build_all():
        s = pipeline.SummarizeSettings()
        feats = pipeline.extract(path, s)
        shots = pipeline.shots_for(feats, s)
        duration = float(truth["duration"])
        for name, (a, b, g) in WEIGHTS.items():
            scores, _, _ = pipeline.score(feats, s.replace(alpha=a, beta=b, gamma=g))
            summary = pipeline.select(feats, scores, shots, 0.15)
            kept = Q.segments_to_intervals(summary.segments)
            f = Q.metrics(kept, truth, duration, 0.15, feats.timestamps, scores)
            print(
                f"| {truth['name']} | {name} | {f['event_recall']:.2f} | {f['events_kept']:.0f} "
                f"| {f['junk_s']:.1f} | {f['repeat_s']:.1f} | {f['upper_half']:.2f} |",
                flush=True,
            )


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
