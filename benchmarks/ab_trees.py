"""A/B of two checkouts on one video, runs interleaved (this VM's speed drifts by 20-30 %
over minutes, so only pairs taken side by side compare).

    git worktree add /tmp/old_tree <commit>
    .venv/bin/python -m benchmarks.ab_trees VIDEO --old /tmp/old_tree --reps 4 --json out.json

Each run is one `benchmarks.run --worker` subprocess in that checkout (decode once +
summarize, no slider, no export), in the order old, new, new, old, ... Prints every run,
the medians, the ratio summarize / decode once for both, and for the new checkout also
the ratio against libavcodec's default decoder threads.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from benchmarks.ab_variants import one_run as run_in

ROOT = Path(__file__).resolve().parents[1]


def one_run(tree: Path, video: str, newer: bool) -> dict:
    extra = ["--backbone", "auto", "--engine", "auto"]
    if newer:
        extra.append("--decode-default")  # an option older checkouts do not know
    return run_in(tree, video, extra=extra)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video")
    ap.add_argument("--old", required=True, help="the other checkout (a git worktree)")
    ap.add_argument("--new", default=str(ROOT), help="this checkout by default")
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    trees = {"old": Path(args.old), "new": Path(args.new)}
    rows: dict = {"old": [], "new": []}
    for r in range(args.reps):
        for k in ("old", "new") if r % 2 == 0 else ("new", "old"):
            d = one_run(trees[k], args.video, newer=(k == "new"))
            rows[k].append(d)
            print(
                f"{k} {d['time']} decode {d['decode_s']:.2f} s, summarize "
                f"{d['summarize_s']:.2f} s, features {d['stages'].get('features', 0):.2f} s",
                flush=True,
            )
    for k, v in rows.items():
        dec = statistics.median(x["decode_s"] for x in v)
        summ = statistics.median(x["summarize_s"] for x in v)
        print(f"{k}: median decode {dec:.2f} s, summarize {summ:.2f} s, ratio {summ / dec:.2f}")
    new = rows["new"]
    if all("decode_default_threads_s" in x for x in new):
        dflt = statistics.median(x["decode_default_threads_s"] for x in new)
        summ = statistics.median(x["summarize_s"] for x in new)
        print(f"new against libavcodec's default threads ({dflt:.2f} s): ratio {summ / dflt:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
