"""``trim-extract-dataset``: benchmark features from the original videos, in the field's h5 layout.

The public TVSum / SumMe h5 files hold GoogLeNet features. To benchmark TRIM with the
paper's ResNet-50 features, this decodes each benchmark video, keeps exactly the frames
whose decode index is in the template's ``picks``, runs the backbone on them, and writes a
new h5 with those features and every other field (annotations, shots) copied unchanged
from the template, so the evaluation protocol stays the field's.

Exit codes: 0 done; 1 bug; 2 bad command line; 3 a video or the template is missing or
unreadable; 4 the output cannot be written; 5 weights unavailable; 6 device unavailable;
130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Optional

import numpy as np

from ..core.errors import EXIT_BUG, EXIT_CANCELLED, EXIT_OK, InputVideoError, OutputError, TrimError
from ..core.progress import Cancelled, CancelToken, check, report
from ..core.settings import VIDEO_EXTENSIONS
from .logs import add_log_options, setup_logging

# Video order of the h5 files (video_i is the i-th name): TVSum follows ydata-anno.tsv
# (the paper's Table 8), SumMe the sorted file names (Table 7).
TVSUM_IDS = """AwmHb44_ouw 98MoyGZKHXc J0nA4VgnoCo gzDbaEs1Rlg XzYM3PfTM4w HT5vyqe0Xaw sTEELN-vY30
vdmoEJ5YbrQ xwqBXPGE9pQ akI8YFjEmUw i3wAGJaaktw Bhxk-O1Y7Ho 0tmA_C6XwfM 3eYKfiOEJNs xxdtq8mxegs
WG0MBPpPC6I Hl-__g2gn_A Yi4Ij2NM7U4 37rzWOQsNIw LRw_obCPUt0 cjibtmSLxQ4 b626MiF1ew4 XkqCExn6_Us
GsAD1KT1xo8 PJrm840pAUI 91IHQYk1IQM RBCABdttQmI z_6gVvQb2d0 fWutDQy1nnY 4wU_LUjG5Ic VuWGsYPqAX8
JKpqYvAdIsw xmEERLqJ2kU byxOvuiIJV0 _xMr-HKMfVA WxtbjNsCQ8A uGu_10sucQo EE-bNr36nyA Se3oxnaPsz0
oDXZc0tZe04 qqR6AEXwxoQ EYqVtI9YWJA eQu1rNs0an0 JgHubY5Vw3Y iVt07TCkFM0 E11zDS9XGzg NyBmCxDoHJU
kLxoNp-UchI jcoYJXDG9sw -esJrBWj2d8""".split()
SUMME_NAMES = """Air_Force_One Base_jumping Bearpark_climbing Bike_Polo Bus_in_Rock_Tunnel
Car_railcrossing Cockpit_Landing Cooking Eiffel_Tower Excavators_river_crossing Fire_Domino Jumps
Kids_playing_in_leaves Notre_Dame Paintball Playing_on_water_slide Saving_dolphines Scuba
St_Maarten_Landing Statue_of_Liberty Uncut_Evening_Flight Valparaiso_Downhill car_over_camera
paluma_jump playing_ball""".split()
DEFAULT_NAMES = {"tvsum": TVSUM_IDS, "summe": SUMME_NAMES}

EPILOG = """\
Each h5 group video_i is matched to a file in VIDEO_DIR by name: --map JSON
({"video_1": "file.mp4", ...}) if given, else the template's video_name (SumMe), else the
benchmark's order (TVSum: YouTube ids as in ydata-anno.tsv; SumMe: the sorted names).
Names match ignoring case, extension and spaces vs underscores.

examples:
  trim-extract-dataset tvsum/video --dataset tvsum \\
      --template eccv16_dataset_tvsum_google_pool5.h5 -o tvsum_resnet50.h5
  trim-extract-dataset SumMe/videos --dataset summe \\
      --template eccv16_dataset_summe_google_pool5.h5 -o summe_resnet50.h5 --device cuda
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trim-extract-dataset",
        description="Extract benchmark features at the template h5's picks and write them in its layout.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("video_dir", metavar="VIDEO_DIR", help="folder with the benchmark's videos")
    p.add_argument("--dataset", choices=["tvsum", "summe"], required=True)
    p.add_argument(
        "--template",
        required=True,
        metavar="EXISTING.h5",
        help="the field's h5 (picks, shots and annotations are copied from it)",
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT.h5")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--map", metavar="JSON", help="explicit {h5 key: video file name} mapping")
    p.add_argument(
        "--backbone",
        choices=["resnet50", "efficientnet-lite0"],
        default="resnet50",
        help="frozen CNN (default resnet50, the paper's)",
    )
    p.add_argument("--weights", help="a local resnet50 weights file (.pth)")
    p.add_argument(
        "--preprocess",
        choices=["crop", "resize"],
        default="crop",
        help="crop: resize 256 + center crop 224 (default, the paper's best); resize: 224",
    )
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--random-weights", action="store_true", help=argparse.SUPPRESS)  # tests only
    p.add_argument("-q", "--quiet", action="store_true")
    add_log_options(p)
    return p


def _norm(name: str) -> str:
    return re.sub(
        r"[\s_]+", "_", Path(name).stem if Path(name).suffix.lower() in VIDEO_EXTENSIONS else name
    ).lower()


def match_videos(
    video_dir: Path,
    keys: list[str],
    names: dict[str, Optional[str]],
    dataset: str,
    mapping: Optional[dict] = None,
) -> dict[str, Path]:
    """h5 key -> video file; raises with every unmatched key listed at once."""
    files: dict[str, Path] = {}
    for p in sorted(video_dir.iterdir()):
        if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS:
            files.setdefault(_norm(p.name), p)
    default = DEFAULT_NAMES[dataset]
    out, missing = {}, []
    for key in keys:
        if mapping and key in mapping:
            wanted = mapping[key]
        elif names.get(key):
            wanted = names[key]
        else:
            m = re.fullmatch(r"video_(\d+)", key)
            i = int(m.group(1)) if m else 0
            wanted = default[i - 1] if 1 <= i <= len(default) else key
        path = files.get(_norm(wanted))
        if path is None:
            missing.append(f"{key}={wanted}")
        else:
            out[key] = path
    if missing:
        raise InputVideoError(
            f"{len(missing)} video(s) not found in {video_dir}: "
            + ", ".join(missing[:8])
            + (" ..." if len(missing) > 8 else "")
        )
    return out


def frames_at(path: Path, picks: np.ndarray, size, cancel=None):
    """Yield (decode index, RGB image) for the frames whose decode index is in ``picks``."""
    from ..core import decode

    wanted = set(int(i) for i in picks)
    last = max(wanted) if wanted else -1
    container = decode.open_input(path)
    try:
        stream = decode.video_stream(container)
        decode.enable_threads(stream)
        for index, frame in enumerate(decode.decode_frames(container, stream)):
            if index > last:
                break
            if index in wanted:
                check(cancel)
                yield index, decode.to_rgb(frame, decode.display_rotation(frame), size)
    finally:
        container.close()


def extract_at_picks(
    path: Path, picks: np.ndarray, bb, preprocess: str, batch_size: int, progress=None, cancel=None
) -> np.ndarray:
    """(len(picks), dim) features; up to 2 trailing picks past the video's end repeat the last one."""
    import torch

    rows: list[np.ndarray] = []
    batch: list[np.ndarray] = []

    def flush():
        with torch.inference_mode():
            rows.append(
                bb.embed(bb.preprocess(np.stack(batch), preprocess, device=bb.device)).cpu().numpy()
            )
        batch.clear()

    total = int(picks[-1]) + 1 if len(picks) else 0
    for index, image in frames_at(path, picks, bb.decode_size(preprocess), cancel):
        batch.append(image)
        if len(batch) >= batch_size:
            flush()
            report(progress, "features", index + 1, total)
    if batch:
        flush()
    feats = np.concatenate(rows).astype(np.float32) if rows else np.zeros((0, bb.dim), np.float32)
    short = len(picks) - len(feats)
    if short > 2 or len(feats) == 0:
        raise InputVideoError(
            f"{path.name}: decoded {len(feats)} of {len(picks)} sampled frames "
            "(not the benchmark's version of this video?)"
        )
    if short > 0:
        feats = np.concatenate([feats, np.repeat(feats[-1:], short, axis=0)])
    report(progress, "features", total, total)
    return feats


def write_like_template(
    template: Path, out: Path, features: dict[str, np.ndarray], backbone: str, preprocess: str
) -> None:
    """Copy the template group by group, replacing ``features``; atomic rename at the end."""
    import h5py

    tmp = out.with_name(out.name + ".part")
    try:
        with h5py.File(template, "r") as src, h5py.File(tmp, "w") as dst:
            for key, feats in features.items():
                src.copy(src[key], dst, name=key)
                del dst[key]["features"]
                dst[key].create_dataset("features", data=feats)
            dst.attrs["features"] = (
                f"{backbone} pool, preprocess {preprocess}, at the template's picks"
            )
            dst.attrs["template"] = template.name
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {out}: {exc}") from None


def run(args, cancel) -> int:
    from ..research.extra import require

    require("h5py", tool="trim-extract-dataset")
    from ..cli.progressbar import ProgressBar
    from ..core.backbones import load_backbone
    from ..core.device import choose_device
    from ..research.h5data import read_h5

    out, template, vdir = Path(args.output), Path(args.template), Path(args.video_dir)
    if not vdir.is_dir():
        raise InputVideoError(f"not a folder: {vdir}")
    if out.exists() and out.resolve() == template.resolve():
        raise OutputError("the output would overwrite the template; choose another name")
    if out.exists() and not args.force:
        raise OutputError(f"Output '{out}' already exists; use --force to replace it.")
    records = read_h5(template)
    mapping = None
    if args.map:
        try:
            mapping = json.loads(Path(args.map).read_text())
        except (OSError, ValueError) as exc:
            raise InputVideoError(f"cannot read --map {args.map}: {exc}") from None
    paths = match_videos(
        vdir, list(records), {k: r.video_name for k, r in records.items()}, args.dataset, mapping
    )
    device = choose_device(args.device)
    bb = load_backbone(
        args.backbone,
        device,
        weights_path=args.weights,
        random_weights=args.random_weights,
        cancel=cancel,
    )
    bar = ProgressBar(sys.stderr, quiet=args.quiet)
    features = {}
    for i, (key, path) in enumerate(paths.items(), 1):
        if not args.quiet:
            print(f"[{i}/{len(paths)}] {key} <- {path.name}", file=sys.stderr)
        rec = records[key]
        features[key] = extract_at_picks(
            path, rec.picks, bb, args.preprocess, args.batch_size, bar, cancel
        )
        bar.close()
    write_like_template(template, out, features, bb.name, args.preprocess)
    print(f"{out}: {len(features)} videos, {bb.dim}-d {bb.name} features ({args.preprocess})")
    return EXIT_OK


def main(argv: Optional[list[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args, parser)
    if args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    try:
        return run(args, CancelToken())
    except TrimError as err:
        print(f"trim-extract-dataset: {err}", file=sys.stderr)
        return err.exit_code
    except (Cancelled, KeyboardInterrupt):
        print("trim-extract-dataset: cancelled; no output was written", file=sys.stderr)
        return EXIT_CANCELLED
    except Exception as err:  # a bug
        import traceback

        traceback.print_exc()
        print(
            f"trim-extract-dataset: unexpected error (a bug, please report): {err}", file=sys.stderr
        )
        return EXIT_BUG


if __name__ == "__main__":
    sys.exit(main())
