"""``trim-eval``: the paper's benchmark protocol on a TVSum or SumMe h5 feature file.

Exit codes: 0 done; 1 bug; 2 bad command line; 3 the dataset, splits or annotations cannot
be used; 4 the results file cannot be written; 6 device unavailable; 130 cancelled.
"""

from __future__ import annotations

import argparse
import sys

from ..core.errors import EXIT_BUG, EXIT_CANCELLED, EXIT_OK, OutputError, TrimError
from ..core.progress import Cancelled
from .logs import add_log_options, setup_logging

EPILOG = """\
protocol: for each run and each of the 5 folds, train a fresh model on the fold's training
videos for a fixed number of epochs (stage 1 then stage 2, one video per step, Adam lr 1e-5,
weight decay 1e-5), score the test videos once, and compute Kendall tau, Spearman rho and
F1 at a 15% budget with the h5 file's shots. No epoch is selected by a test score.
TVSum uses the 'long' preset, SumMe the 'short' one (the paper's per-dataset weights).

TVSum tau/rho compare with each annotator's raw scores, which the public h5 files lack:
pass --annotations ydata-anno.tsv(.gz) from the TVSum release (video_i = its i-th video).

exit codes: 0 ok, 1 bug, 2 usage, 3 unusable dataset/splits/annotations, 4 output not
  writable, 6 device unavailable, 130 cancelled

examples:
  trim-eval eccv16_dataset_summe_google_pool5.h5 --dataset summe
  trim-eval tvsum_resnet50.h5 --dataset tvsum --annotations ydata-anno.tsv.gz --runs 10
  trim-eval summe.h5 --runs 1 --no-stage1 --epochs2 30 --json results.json
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trim-eval",
        description="Benchmark TRIM on a TVSum / SumMe h5 file (runs x 5-fold CV).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("h5", metavar="DATASET.h5", help="feature file in the field's h5 layout")
    p.add_argument(
        "--dataset",
        choices=["tvsum", "summe"],
        help="protocol (default: guessed from the file: 50 videos tvsum, 25 summe)",
    )
    p.add_argument(
        "--annotations", metavar="TSV", help="TVSum ydata-anno.tsv(.gz): annotator scores"
    )
    p.add_argument(
        "--splits", metavar="FILE", help="JSON splits (default: the shipped ones for tvsum/summe)"
    )
    p.add_argument("--runs", type=int, default=10, help="independent runs (default 10)")
    s1 = p.add_mutually_exclusive_group()
    s1.add_argument(
        "--stage1",
        dest="stage1",
        action="store_true",
        default=True,
        help="two-stage TRIM: stage 1 pre-training then stage 2 (default)",
    )
    s1.add_argument(
        "--no-stage1",
        dest="stage1",
        action="store_false",
        help="stage 2 only (the paper's unsupervised variant)",
    )
    p.add_argument("--epochs1", type=int, default=60, help="stage 1 epochs (default 60)")
    p.add_argument("--epochs2", type=int, default=90, help="stage 2 epochs (default 90)")
    p.add_argument("--lr", type=float, default=1e-5, help="Adam learning rate (default 1e-5)")
    p.add_argument(
        "--preset",
        choices=["long", "short", "paper"],
        help="loss weights (default: long for tvsum, short for summe)",
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default auto)")
    p.add_argument("--seed", type=int, default=0, help="run r uses seed + r (default 0)")
    p.add_argument("--json", metavar="FILE", help="also write every per-video score here")
    p.add_argument("-q", "--quiet", action="store_true", help="print only the table")
    add_log_options(p)
    return p


def _guess_dataset(records) -> str | None:
    n = len(records)
    if n == 50:
        return "tvsum"
    if n == 25 or any(r.video_name for r in records.values()):
        return "summe"
    return None


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from ..research.extra import require

    require("scipy", "h5py", tool="trim-eval")
    from ..core.device import choose_device
    from ..research import evaluate as ev
    from ..research.h5data import attach_tvsum_annotations, read_h5
    from ..research.splits import DATASETS, dataset_keys, generate_splits, load_splits

    for name in ("runs", "epochs2"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1")
    if args.epochs1 < 0:
        parser.error("--epochs1 must not be negative")
    records = read_h5(args.h5)
    dataset = args.dataset or _guess_dataset(records)
    if dataset is None:
        parser.error(
            f"cannot tell the dataset of {args.h5} ({len(records)} videos): pass --dataset"
        )
    say = (
        (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    )
    if args.annotations:
        n = attach_tvsum_annotations(records, args.annotations)
        say(f"annotator scores attached to {n} of {len(records)} videos")
    keys = list(records)
    if args.splits:
        splits = load_splits(args.splits, keys)
    elif dataset in DATASETS and set(keys) == set(dataset_keys(dataset)):
        splits = load_splits(dataset, keys)
    else:
        splits = generate_splits(keys)
        say(f"{len(keys)} videos are not the benchmark's keys: using seeded splits made for them")
    device = choose_device(args.device)
    cfg = ev.EvalConfig(
        dataset=dataset,
        runs=args.runs,
        stage1=args.stage1,
        epochs1=args.epochs1,
        epochs2=args.epochs2,
        device=str(device),
        seed=args.seed,
        lr=args.lr,
        preset=args.preset,
    )
    from .progressbar import ProgressBar

    bar = ProgressBar(sys.stderr, quiet=args.quiet)

    def log(msg: str) -> None:
        bar.close()
        say(msg)

    result = ev.evaluate_collection(records, splits, cfg, progress=bar, log=log)
    bar.close()
    print(ev.format_table(result))
    if args.json:
        try:
            ev.write_json(result, args.json)
        except OSError as exc:
            raise OutputError(f"cannot write {args.json}: {exc.strerror or exc}") from None
    return EXIT_OK


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args, parser)
    try:
        return run(args, parser)
    except TrimError as err:
        print(f"trim-eval: {err}", file=sys.stderr)
        return err.exit_code
    except (Cancelled, KeyboardInterrupt):
        print("trim-eval: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except Exception as err:  # a bug: say so in one line, keep the traceback for a report
        import traceback

        traceback.print_exc()
        print(f"trim-eval: unexpected error (a bug, please report): {err}", file=sys.stderr)
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
