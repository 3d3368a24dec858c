"""Several variants of summarize on one video, runs interleaved round-robin: a variant is
a checkout plus environment settings (e.g. TRIM_NVDEC=0, see benchmarks/run.py), optionally held to some
cores with taskset. For the lent GPU machine, where one call must compare everything.

    python -m benchmarks.ab_variants VIDEO --reps 2 \\
        --variant old=.ab_old:TRIM_NVDEC=0 --variant nvdec=.:TRIM_NVDEC=1 [--cores 0-3]

Each run is one `benchmarks.run --worker` subprocess (decode once + summarize, no slider,
no export), as in `benchmarks/ab_trees.py`; the order turns round every repetition.
Prints every run, then per variant the medians, the ratio summarize / decode once and
the selected shots (so a variant that changes the summary shows).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional, Sequence


def parse_variant(text: str):
    """ "name=tree:KEY=VAL:KEY=VAL" -> (name, tree, {KEY: VAL})."""
    name, _, rest = text.partition("=")
    tree, *settings = rest.split(":")
    env = dict(s.split("=", 1) for s in settings if s)
    if not name or not tree:
        raise argparse.ArgumentTypeError(f"expected name=tree[:KEY=VAL...], not {text!r}")
    return name, Path(tree), env


def one_run(
    tree: Path, video: str, env: Optional[dict] = None, cores: str = "", extra: Sequence[str] = ()
) -> dict:
    """One `benchmarks.run --worker` in ``tree`` (decode once + summarize): its JSON row."""
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.run",
        "--worker",
        video,
        "--no-slider",
        "--no-export",
        *extra,
    ]
    if cores:
        cmd = ["taskset", "-c", cores] + cmd
    p = subprocess.run(
        cmd,
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )
    row = json.loads(p.stdout.strip().splitlines()[-1])
    row["time"] = time.strftime("%H:%M:%S")
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video")
    ap.add_argument("--variant", action="append", type=parse_variant, required=True)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--cores", default="", help="taskset core list, e.g. 0-3")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    rows: dict = {name: [] for name, _, _ in args.variant}
    for r in range(args.reps):
        order = args.variant if r % 2 == 0 else args.variant[::-1]
        for name, tree, env in order:
            try:
                d = one_run(tree, args.video, env, args.cores)
            except (subprocess.SubprocessError, ValueError) as err:
                print(f"{name}: failed ({err})", flush=True)
                continue
            rows[name].append(d)
            events = "".join(f", {k} {n}" for k, n in d.get("decoder_events", {}).items())
            print(
                f"{name} {d['time']} decode {d['decode_s']:.2f} s, summarize "
                f"{d['summarize_s']:.2f} s, features {d['stages'].get('features', 0):.2f} s"
                f"{events}",
                flush=True,
            )
    where = f" on cores {args.cores}" if args.cores else ""
    for name, v in rows.items():
        if not v:
            continue
        dec = statistics.median(x["decode_s"] for x in v)
        summ = statistics.median(x["summarize_s"] for x in v)
        feat = statistics.median(x["stages"].get("features", 0) for x in v)
        shots = sorted({tuple(x.get("selected", ())) for x in v})
        print(
            f"{name}{where}: median decode {dec:.2f} s, summarize {summ:.2f} s, ratio "
            f"{summ / dec:.2f}, features {feat:.2f} s; selected shots {len(shots)} "
            f"distinct: {[len(s) for s in shots]}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
