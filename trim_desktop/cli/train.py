"""``trim-train``: train one TRIM model on a collection of videos (the paper's regime).

The paper trains one network across many videos, one video per step: stage 1 (masked
views) then stage 2 (unsupervised losses). The result is a model file that
``trim-summarize --model`` applies to new videos (as-is, or as a warm start).

Exit codes: 0 done; 1 bug; 2 bad command line; 3 unusable input (no readable video,
bad h5, backbone mismatch); 4 model file not writable; 5 weights unavailable;
6 device unavailable; 130 cancelled.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Optional

from ..core.errors import EXIT_BUG, EXIT_CANCELLED, EXIT_OK, InputVideoError, OutputError, TrimError
from ..core.progress import Cancelled, CancelToken
from ..core.settings import PAPER_WEIGHTS, VIDEO_EXTENSIONS
from .logs import add_log_options, setup_logging

H5_EXTENSIONS = {".h5", ".hdf5"}

EPILOG = """\
INPUT is a folder of videos (features are extracted with --backbone and cached) or an h5
feature file in the field's layout (DSNet / CSTA; use --splits/--fold to train on one
fold's training videos). Feature dimensions must match the backbone used later:
trim-summarize refuses a model trained on other features.

presets (weights named by the loss they weight, eq. 10 of the paper):
  long    the paper's TVSum setting: PTRIM 1, PCTRIM 0, REP 5 (default)
  short   the paper's SumMe setting: PTRIM 1, PCTRIM 0.5, REP 0
  paper   eq. 10 as printed: PTRIM 1, PCTRIM 5, REP 0.5

exit codes: 0 ok, 1 bug, 2 usage, 3 unusable input, 4 output not writable,
  5 weights unavailable, 6 device unavailable, 130 cancelled

examples:
  trim-train lectures/ -o lectures.pt
  trim-train tvsum_resnet50.h5 -o tvsum_fold1.pt --splits tvsum --fold 1
  trim-summarize talk.mp4 --model lectures.pt --model-mode as-is
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trim-train",
        description="Train one TRIM model across many videos and save it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", metavar="INPUT", help="folder of videos, or an h5 feature file")
    p.add_argument("-o", "--output", required=True, metavar="MODEL.pt", help="model file to write")
    p.add_argument("--force", action="store_true", help="replace an existing model file")
    tr = p.add_argument_group("training")
    tr.add_argument("--preset", choices=list(PAPER_WEIGHTS), default="long")
    tr.add_argument("--epochs1", type=int, default=60, help="stage 1 epochs (default 60)")
    tr.add_argument("--epochs2", type=int, default=90, help="stage 2 epochs (default 90)")
    tr.add_argument(
        "--lr", type=float, default=1e-5, help="Adam learning rate (default 1e-5, the paper's)"
    )
    s1 = tr.add_mutually_exclusive_group()
    s1.add_argument(
        "--stage1", dest="stage1", action="store_true", default=True, help="two-stage (default)"
    )
    s1.add_argument("--no-stage1", dest="stage1", action="store_false", help="stage 2 only")
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    feat = p.add_argument_group("features (folder input)")
    feat.add_argument(
        "--backbone",
        choices=["auto", "resnet50", "efficientnet-lite0"],
        default=None,
        help="frozen CNN (folder default auto); for h5 input, names the backbone "
        "that made the features (default: guessed from their size)",
    )
    feat.add_argument("--weights", help="a local resnet50 weights file (.pth)")
    feat.add_argument(
        "--preprocess",
        choices=["crop", "resize"],
        default="crop",
        help="crop: resize 256 + center crop 224 (default); resize: direct 224",
    )
    feat.add_argument("--rate", type=float, default=2.0, help="samples per second (default 2)")
    feat.add_argument(
        "--no-cache", action="store_true", help="do not read or write the feature cache"
    )
    h5 = p.add_argument_group("h5 input")
    h5.add_argument(
        "--splits", help="splits JSON (or tvsum / summe) to train on one fold's train videos"
    )
    h5.add_argument("--fold", type=int, help="fold number (1-based) with --splits")
    h5.add_argument("--keys", help="comma-separated video keys to train on (default: all)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    add_log_options(p)
    return p


def features_from_h5(args, parser) -> tuple[list, str, str, dict]:
    """(list of (n, D) arrays, backbone, preprocess, extra) from an h5 file."""
    from ..research.extra import require

    require("h5py", tool="trim-train with an h5 file")
    from ..core.modelfile import KNOWN_DIMS, backbone_for_dim
    from ..research.h5data import list_keys, read_h5
    from ..research.splits import load_splits

    keys = list_keys(args.input)
    if args.splits:
        if args.fold is None:
            parser.error("--splits needs --fold")
        splits = load_splits(args.splits, keys)
        if not 1 <= args.fold <= len(splits):
            parser.error(f"--fold must be 1..{len(splits)}")
        keys = splits[args.fold - 1]["train_keys"]
    elif args.keys:
        keys = [k.strip() for k in args.keys.split(",") if k.strip()]
    records = read_h5(args.input, keys)
    values = [r.features for r in records.values()]
    dim = values[0].shape[1]
    backbone = args.backbone if args.backbone not in (None, "auto") else backbone_for_dim(dim)
    if backbone in KNOWN_DIMS and KNOWN_DIMS[backbone] != dim:
        raise InputVideoError(
            f"{args.input} holds {dim}-d features but {backbone} makes "
            f"{KNOWN_DIMS[backbone]}-d ones"
        )
    return (
        values,
        backbone,
        args.preprocess,
        {
            "source": "h5",
            "videos": len(values),
            "splits": args.splits or "",
            "fold": args.fold or 0,
        },
    )


def features_from_folder(args, cancel, bar) -> tuple[list, str, str, dict]:
    """Extract (or load cached) features of every video in the folder; unreadable ones are skipped."""
    from ..core.backbones import load_backbone
    from ..core.cache import FeatureCache
    from ..core.device import choose_device
    from ..core.features import extract_features

    videos = sorted(
        p
        for p in Path(args.input).iterdir()
        if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS
    )
    if not videos:
        raise InputVideoError(f"no video files in {args.input}")
    device = choose_device(args.device)
    bb = load_backbone(
        args.backbone or "auto", device, weights_path=args.weights, progress=bar, cancel=cancel
    )
    cache = None if args.no_cache else FeatureCache()
    values = []
    for i, video in enumerate(videos, 1):
        if not args.quiet:
            print(f"[{i}/{len(videos)}] {video.name}", file=sys.stderr)
        try:
            f = extract_features(
                video,
                bb,
                args.preprocess,
                args.rate,
                device,
                cache=cache,
                progress=bar,
                cancel=cancel,
            )
        except InputVideoError as err:
            print(f"skipped: {err}", file=sys.stderr)
            continue
        finally:
            bar.close()
        if f.n >= 3:
            values.append(f.values)
        else:
            print(f"skipped: {video.name} gives only {f.n} samples", file=sys.stderr)
    if not values:
        raise InputVideoError(f"none of the videos in {args.input} could be used")
    return (
        values,
        bb.name,
        args.preprocess,
        {"source": "videos", "videos": len(values), "rate": float(args.rate)},
    )


def run(args, parser, cancel) -> int:
    from ..cli.progressbar import ProgressBar
    from ..core.device import choose_device
    from ..core.modelfile import save_model
    from ..core.train import PAPER_PRESETS, train_on_collection

    if args.epochs1 < 0 or args.epochs2 < 1:
        parser.error("--epochs1 must be >= 0 and --epochs2 >= 1")
    out = Path(args.output)
    if out.exists() and not args.force:
        raise OutputError(f"Output '{out}' already exists; use --force to replace it.")
    if not out.parent.is_dir():
        raise OutputError(f"cannot write {out}: folder {out.parent} does not exist")
    src = Path(args.input)
    bar = ProgressBar(sys.stderr, quiet=args.quiet)
    if src.is_dir():
        values, backbone, preprocess, extra = features_from_folder(args, cancel, bar)
    elif src.suffix.lower() in H5_EXTENSIONS:
        values, backbone, preprocess, extra = features_from_h5(args, parser)
    else:
        raise InputVideoError(f"{src}: expected a folder of videos or an .h5 feature file")
    settings = PAPER_PRESETS[args.preset].replace(lr=args.lr, stage1=args.stage1, seed=args.seed)
    device = choose_device(args.device)
    state = train_on_collection(
        values,
        settings,
        args.epochs1 if args.stage1 else 0,
        args.epochs2,
        device=device,
        progress=bar,
        cancel=cancel,
    )
    bar.close()
    extra.update(
        preset=args.preset, epochs1=args.epochs1 if args.stage1 else 0, epochs2=args.epochs2
    )
    save_model(
        out, state, values[0].shape[1], backbone, preprocess, settings, extra, replace=args.force
    )
    print(
        f"{out}: model for {backbone} features ({values[0].shape[1]}-d), trained on "
        f"{len(values)} videos"
    )
    return EXIT_OK


def main(argv: Optional[list[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args, parser)
    cancel = CancelToken()

    def on_sigint(signum, frame):  # first Ctrl-C stops cleanly, a second one kills
        cancel.cancel()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    try:
        old = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (tests)
        old = None
    try:
        return run(args, parser, cancel)
    except TrimError as err:
        print(f"trim-train: {err}", file=sys.stderr)
        return err.exit_code
    except (Cancelled, KeyboardInterrupt):
        print("trim-train: cancelled; no model file was written", file=sys.stderr)
        return EXIT_CANCELLED
    except Exception as err:  # a bug: one line, plus the traceback for a report
        import traceback

        traceback.print_exc()
        print(f"trim-train: unexpected error (a bug, please report): {err}", file=sys.stderr)
        return EXIT_BUG
    finally:
        if old is not None:
            signal.signal(signal.SIGINT, old)


if __name__ == "__main__":
    sys.exit(main())
