"""``trim-summarize``: summarize one video, several, or a folder of them, from the command line.

Exit codes: 0 done; 1 unexpected error (a bug: please report it); 2 bad command line;
3 an input cannot be read as a video; 4 an output cannot be written; 5 backbone weights
unavailable; 6 requested device unavailable; 7 a batch finished with some videos failed;
130 cancelled (Ctrl-C), 143 stopped by SIGTERM, 129 by SIGHUP. Partial outputs are
removed on every failure, and without --force no file is ever replaced, not even one
that another run created meanwhile.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Optional

from .. import __version__
from ..core.errors import (
    EXIT_BUG,
    EXIT_OK,
    InputVideoError,
    OutputError,
    TrimError,
    UsageError,
    exit_code_for_signal,
)
from ..core.progress import Cancelled, CancelToken, check
from ..core.settings import BUDGET_DEFAULT, PRESET_WEIGHTS, VIDEO_EXTENSIONS, presets_in_words
from . import sidefiles
from .logs import add_log_options, setup_logging
from .progressbar import ProgressBar

EXIT_BATCH_PARTIAL = 7

EPILOG = f"""\
presets (weights named by the loss they weight, eq. 10 of the paper; docs/training.md):
{presets_in_words()}

exit codes: 0 ok, 1 bug, 2 usage, 3 unreadable input, 4 output not writable,
  5 weights unavailable, 6 device unavailable, 7 batch with failures, 130 cancelled
  (Ctrl-C), 143 / 129 stopped by SIGTERM / SIGHUP

examples:
  trim-summarize talk.mp4                      # writes talk.summary.mp4 + talk.summary.json
  trim-summarize talk.mp4 -o short.mp4 --budget 10
  trim-summarize talk.mp4 --length 90s         # a 90-second summary, whatever the video's length
  trim-summarize talk.mp4 --fast -o short.mkv  # no re-encoding: Matroska, cuts at keyframes
  trim-summarize talk.mp4 --clips              # one file per kept piece in talk.summary-clips/
  trim-summarize holidays/ --output-dir summaries/   # every video in a folder
  trim-summarize talk.mp4 --no-export --scores scores.csv
  trim-summarize talk.mp4 --list talk.edl --list talk.chapters.txt   # cut lists too
  trim-summarize talk.mp4 --from-segments talk.summary.json   # re-export an edited file
  trim-summarize a.mp4 b.mp4 --segments {{stem}}.seg.json --list cuts/{{stem}}.otio
"""


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="trim-summarize",
        description="Turn long videos into short summaries with TRIM (self-supervised; "
        "trains on each video itself, on the GPU when there is one).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_log_options(p)
    p.add_argument(
        "inputs",
        nargs="+",
        metavar="VIDEO",
        help="video file(s), a folder of videos, or a .txt list of paths",
    )
    out = p.add_argument_group("output")
    out.add_argument(
        "-o", "--output", help="summary MP4 path (one input only; default VIDEO.summary.mp4)"
    )
    out.add_argument("--output-dir", help="folder for the outputs (default: beside each video)")
    out.add_argument("--no-export", action="store_true", help="do not write the summary MP4")
    out.add_argument(
        "--segments",
        help="write the segments here: .json (default, beside the MP4) "
        "or .csv; several videos: a folder or a template such as {stem}.seg.json",
    )
    out.add_argument(
        "--scores",
        help="write per-sample scores as CSV (.csv) or JSON (.json); "
        "several videos: a folder or a template such as {stem}.scores.csv",
    )
    sidefiles.add_arguments(out)  # --list, --from-segments (cli/sidefiles.py)
    out.add_argument("--force", action="store_true", help="replace existing output files")
    exp = p.add_argument_group(
        "export choices",
        "The summary's container follows -o's ending: .mp4, .m4v, .mov or "
        ".mkv (any other is refused). A joined video has a chapter per piece "
        '("Piece 3 - 1:23", its source time) and keeps every audio track.',
    )
    exp.add_argument(
        "--export-mode",
        choices=["accurate", "fast"],
        default="accurate",
        help="accurate (default): re-encoded, every cut frame-exact; fast: the "
        "video and sound copied without re-encoding (much faster, the "
        "source's quality), but each cut snaps to the keyframe at or before "
        "the piece's start, so a piece can start up to a GOP (often 1-10 s) "
        "early",
    )
    exp.add_argument(
        "--fast",
        dest="export_mode",
        action="store_const",
        const="fast",
        help="the same as --export-mode fast (keyframe cuts, no re-encoding)",
    )
    exp.add_argument(
        "--clips",
        action="store_true",
        help="one file per kept piece (piece-01-0m12s.mp4, ...) in a new folder "
        "instead of one joined video: -o FOLDER, default "
        "VIDEO.summary-clips; all clips appear or none",
    )
    exp.add_argument(
        "--clip-format",
        choices=["mp4", "m4v", "mov", "mkv"],
        default="mp4",
        help="container of the clips with --clips (default mp4)",
    )
    sel = p.add_argument_group("summary")
    sel.add_argument(
        "--budget",
        type=float,
        default=BUDGET_DEFAULT * 100,
        help=f"summary length, %% of the duration (default {BUDGET_DEFAULT * 100:g})",
    )
    sel.add_argument(
        "--length",
        type=parse_length,
        metavar="TIME",
        help="summary length as time instead of a share: 90s, 90, 2m, 1:30 (overrides --budget)",
    )
    sel.add_argument(
        "--selection",
        choices=["app", "paper"],
        default="app",
        help="app (default): the highest-scored pieces, each scene once, no dark, blank "
        "or still pieces while others fit; paper: the research protocol's knapsack "
        "over whole shots (trim-eval always uses it)",
    )
    feat = p.add_argument_group("features")
    feat.add_argument(
        "--backbone",
        choices=["auto", "resnet50", "efficientnet-lite0"],
        default="auto",
        help="frozen CNN (default auto: resnet50 when its weights are here, else efficientnet-lite0)",
    )
    feat.add_argument("--weights", help="a local resnet50 weights file (.pth)")
    feat.add_argument(
        "--preprocess",
        choices=["crop", "resize"],
        default="crop",
        help="crop: resize 256 + center crop 224 (paper's best, default); resize: direct 224",
    )
    feat.add_argument(
        "--no-cache", action="store_true", help="do not read or write the feature cache"
    )
    feat.add_argument(
        "--engine",
        choices=["auto", "torch", "onnx"],
        default="auto",
        help="backbone runtime on the CPU: auto (ONNX Runtime when installed: same "
        "features, ~3.6x faster), torch or onnx",
    )
    tr = p.add_argument_group("training")
    tr.add_argument("--preset", choices=list(PRESET_WEIGHTS), default="auto")
    tr.add_argument(
        "--alpha",
        type=float,
        help="weight of L_PTRIM: moments unlike the one just before (cuts, sudden action)",
    )
    tr.add_argument(
        "--beta", type=float, help="weight of L_PCTRIM: what is new against everything before"
    )
    tr.add_argument(
        "--gamma",
        type=float,
        help="weight of L_REP (Wasserstein): moments whose picture stands out from the rest",
    )
    tr.add_argument("--nu", type=float, help="stage-1 weight of the score-spread terms")
    s1 = tr.add_mutually_exclusive_group()
    s1.add_argument(
        "--stage1",
        dest="stage1",
        action="store_true",
        default=None,
        help="run stage 1 pre-training",
    )
    s1.add_argument(
        "--no-stage1",
        dest="stage1",
        action="store_false",
        help="stage 2 only (the paper's unsupervised variant)",
    )
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument(
        "--steps1",
        type=int,
        metavar="N",
        help="stage-1 training steps (default: the preset's; fewer is faster, rougher)",
    )
    tr.add_argument(
        "--steps2", type=int, metavar="N", help="stage-2 training steps (default: the preset's)"
    )
    tr.add_argument(
        "--train-precision",
        choices=["auto", "fp32", "bf16"],
        default="auto",
        help="arithmetic of the scorer's convolution on the CPU: auto (default: bf16 for "
        "videos of 200 s or more where the CPU has native bf16), fp32 (the same "
        "numbers on every machine) or bf16",
    )
    tr.add_argument("--model", help="a model file from trim-train")
    tr.add_argument(
        "--model-mode",
        choices=["as-is", "finetune"],
        default="finetune",
        help="with --model: use it as it is (instant) or as the start of per-video training",
    )
    p.add_argument("--device", default="auto", help="auto (default), cpu, cuda or cuda:N")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    return p


def parse_length(text: str) -> float:
    """Seconds from "90s", "90", "2m", "1.5min", "1:30" or "1:02:03" (argparse type)."""
    t = text.strip().lower()
    try:
        if ":" in t:
            parts = [float(x) for x in t.split(":")]
            if len(parts) > 3 or any(x < 0 for x in parts):
                raise ValueError
            value = 0.0
            for x in parts:
                value = value * 60 + x
        else:
            for unit, factor in (("min", 60), ("m", 60), ("s", 1), ("h", 3600)):
                if t.endswith(unit):
                    value = float(t[: -len(unit)]) * factor
                    break
            else:
                value = float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a length of time: {text!r} (try 90s, 2m or 1:30)"
        ) from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"the summary length must be positive, got {text!r}")
    return value


def collect_inputs(items: list[str]) -> list[Path]:
    """Expand folders (their video files, sorted) and .txt lists (one path a line).

    A file listed twice (or reached twice, through a folder and a link) is kept once."""
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        try:
            if path.is_dir():
                paths += sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix.lower() in VIDEO_EXTENSIONS and p.is_file()
                )
            elif path.suffix.lower() == ".txt" and path.is_file():
                paths += _read_list(path)
            else:
                paths.append(path)
        except PermissionError:
            raise InputVideoError(f"Cannot read '{path}': permission denied") from None
    return _unique(paths)


def _read_list(path: Path) -> list[Path]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputVideoError(
            f"Cannot read the list '{path.name}': it is not UTF-8 text "
            f"(byte 0x{err.object[err.start]:02x} at position {err.start}); "
            "save it as UTF-8"
        ) from None
    return [
        Path(line.strip())
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _identity(path: Path):
    """What makes two names one file: (device, inode) when it exists (hard links,
    symlinks), else the absolute path with links resolved."""
    try:
        st = path.stat()
        return ("inode", st.st_dev, st.st_ino)
    except (OSError, ValueError):
        return ("path", os.path.normcase(os.path.realpath(path)))


def _unique(paths: list[Path]) -> list[Path]:
    seen, out = set(), []
    for p in paths:
        key = _identity(p)
        if key in seen:
            print(f"note: '{p}' is listed more than once; it is summarized once.", file=sys.stderr)
            continue
        seen.add(key)
        out.append(p)
    return out


def segments_beside(mp4: Path) -> Path:
    """The default segments file of a summary: ``x.json`` for ``x.mp4`` (as always), and
    ``x.mkv.json`` for other endings, so ``x.mkv`` and ``x.mp4`` keep their own."""
    if mp4.suffix.lower() == ".mp4":
        return mp4.with_suffix(".json")
    return mp4.with_name(mp4.name + ".json")


def output_folder(video: Path, args) -> Path:
    """Where ``video``'s summary goes: -o's folder, --output-dir, else beside the video
    (side files named by a bare template go there too)."""
    if args.output:
        return Path(args.output).parent
    return Path(args.output_dir) if args.output_dir else video.parent


def output_paths(video: Path, args) -> tuple[Optional[Path], Optional[Path]]:
    """Where the summary (an MP4, or with --clips a folder) and the segments JSON of
    ``video`` go (no segments file is written with --from-segments: the file given is the
    input)."""
    folder = output_folder(video, args)
    default = f"{video.stem}.summary-clips" if args.clips else f"{video.stem}.summary.mp4"
    mp4 = Path(args.output) if args.output else folder / default
    if args.from_segments:
        segments = None
    elif args.segments:
        segments = sidefiles.side_path(args.segments, video, folder, "--segments")
    else:
        segments = segments_beside(mp4)
    return (None if args.no_export else mp4), segments


def scores_path(video: Path, args) -> Optional[Path]:
    if not args.scores:
        return None
    return sidefiles.side_path(args.scores, video, output_folder(video, args), "--scores")


def planned_outputs(video: Path, args) -> list[tuple[str, Path]]:
    """(what, path) for each file a run on ``video`` writes."""
    mp4, segments = output_paths(video, args)
    named = [
        ("-o/--output" if args.output else "the summary", mp4),
        ("--segments" if args.segments else "the segments file", segments),
        ("--scores", scores_path(video, args)),
    ]
    named += [("--list", p) for p in sidefiles.list_paths(video, output_folder(video, args), args)]
    return [(what, path) for what, path in named if path is not None]


def check_plan(videos: list[Path], args) -> None:
    """Before any work: every output differs from every other output and from every
    input, also through symlinks and hard links (else one file silently replaces
    another); several videos never share one side-file name."""
    sidefiles.check_args(videos, args)  # one file for several videos; --list endings
    from ..core.export import container_for

    if args.output:
        out = Path(args.output)
        if args.clips:
            if container_for(out) is not None:
                raise UsageError(
                    f"With --clips, -o/--output names the folder for the clips, "
                    f"not a video ('{out.name}'); pick the clips' container "
                    "with --clip-format."
                )
        elif out.is_dir():
            raise UsageError(f"-o/--output '{out}' is a folder; name a file (or use --output-dir).")
        elif container_for(out) is None:
            raise UsageError(
                f"-o/--output '{out.name}' must end in .mp4, .m4v, .mov or .mkv "
                "(the ending picks the container)."
            )
    inputs = {_identity(v): v for v in videos}
    edited: dict = {}  # --from-segments files are inputs too: never written over
    for v in videos if args.from_segments else ():
        seg = sidefiles.from_segments_path(args.from_segments, v, output_folder(v, args))
        edited.setdefault(_identity(seg), seg)
    taken: dict = {}
    for video in videos:
        for what, path in planned_outputs(video, args):
            key = _identity(path)
            if key in edited and key not in inputs:
                raise UsageError(
                    f"Output '{path}' ({what} of '{video.name}') is the "
                    f"--from-segments file '{edited[key]}'; choose another name."
                )
            if key in inputs:
                other = inputs[key]
                if _identity(other) == _identity(video):
                    raise UsageError(
                        f"Output '{path}' is the input video itself; choose another name."
                    )
                raise UsageError(
                    f"Output '{path}' ({what} of '{video.name}') is the input "
                    f"video '{other}'; choose another name."
                )
            if key in taken:
                owner, owner_what = taken[key]
                if owner == video:
                    both = f"{owner_what} and {what}"
                    raise UsageError(
                        f"{both[0].upper()}{both[1:]} are the same file "
                        f"'{path}'; give each output its own name."
                    )
                raise UsageError(
                    f"'{owner}' and '{video}' would both write '{path}'; rename "
                    "one of them or summarize them into different folders."
                )
            taken[key] = (video, what)


def check_outputs(video: Path, outputs: list[Optional[Path]], force: bool) -> None:
    """Refuse to overwrite the source, or (without --force) any existing file."""
    src = video.resolve()
    for out in outputs:
        if out is None:
            continue
        if out.resolve() == src:
            raise UsageError(f"Output '{out}' is the input video itself; choose another name.")
        if out.exists() and not force:
            raise OutputError(f"Output '{out}' already exists; use --force to replace it.")
    seen = set()
    for out in outputs:
        if out is not None and out.parent not in seen:
            seen.add(out.parent)
            check_writable(out)


def check_clips_folder(video: Path, folder: Path, force: bool) -> None:
    """--clips: the folder is new or empty (or, with --force, holds only earlier clips)."""
    from ..core.video_out import check_folder

    if folder.resolve() == video.resolve():
        raise UsageError(f"Output '{folder}' is the input video itself; choose another name.")
    check_folder(folder, force)
    check_writable(folder)


def check_writable(out: Path) -> None:
    """Fail before the long computation, not after it, when ``out``'s folder takes no files."""
    from ..core import api

    api.check_writable(out)  # the same error text as a failed write


def make_output_dir(folder: str) -> None:
    """--output-dir: create it, or say in one line why not."""
    d = Path(folder)
    if d.exists() and not d.is_dir():
        raise UsageError(f"--output-dir '{d}' is a file, not a folder.")
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        from ..core import api

        raise OutputError(
            str(api.output_error(d, err)).replace(
                f"Cannot write '{d.name}'", f"Cannot create the output folder '{d}'"
            )
        ) from None


def check_input_file(video: Path) -> None:
    """Name the real trouble: missing, a folder, or not a regular file (a FIFO blocks
    the reader forever; a device is not a video file)."""
    if not video.exists():
        raise InputVideoError(f"Cannot read '{video}': no such file.")
    if video.is_dir():
        raise InputVideoError(f"Cannot read '{video}': it is a folder, not a video file.")
    if not video.is_file():
        raise InputVideoError(
            f"Cannot read '{video}': not a regular file (a pipe or a "
            "device); save the video to a file first."
        )


def settings_from_args(args):
    from ..core.pipeline import SummarizeSettings

    return SummarizeSettings(
        backbone=args.backbone,
        weights_path=args.weights,
        preprocess=args.preprocess,
        device=args.device,
        engine=args.engine,
        preset=args.preset,
        alpha=args.alpha,
        beta=args.beta,
        gamma=args.gamma,
        nu=args.nu,
        stage1=args.stage1,
        seed=args.seed,
        budget=args.budget / 100.0,
        length_seconds=args.length,
        selection=args.selection,
        use_cache=not args.no_cache,
        model_path=args.model,
        model_mode=args.model_mode,
        steps1=args.steps1,
        steps2=args.steps2,
        train_precision=args.train_precision,
    )


def summarize_one(video: Path, args, cancel: CancelToken, bar: ProgressBar) -> dict:
    """Run the pipeline on one video and write its outputs; returns a report row."""
    from ..core import pipeline
    from ..core.export import write_scores, write_segments_csv
    from ..core.segments_file import write_segments_json

    mp4, segments_path = output_paths(video, args)
    score_file = scores_path(video, args)
    lists = sidefiles.list_paths(video, output_folder(video, args), args)
    check_outputs(
        video, [None if args.clips else mp4, segments_path, score_file, *lists], args.force
    )
    if args.clips and mp4 is not None:
        check_clips_folder(video, mp4, args.force)
    check_input_file(video)
    if args.from_segments:  # the kept pieces of an edited file: no features, no training
        seg = sidefiles.from_segments_path(args.from_segments, video, output_folder(video, args))
        return sidefiles.from_segments_one(video, mp4, lists, seg, args, cancel, bar)
    assert segments_path is not None  # only --from-segments writes none
    started = time.monotonic()
    result = pipeline.summarize(video, settings_from_args(args), progress=bar, cancel=cancel)
    written: list[Path] = []
    keep = not args.force  # without --force never replace a file, even one made meanwhile
    try:
        sidefiles.export_summary(video, result.summary.selected, mp4, args, bar, cancel, written)
        check(cancel)
        f = result.features
        result.summary.extra.update(
            video=str(video),
            backbone=f.backbone,
            preprocess=f.preprocess,
            device=result.device,
            seed=args.seed,
            selection=args.selection,
        )
        if segments_path.suffix.lower() == ".csv":
            write_segments_csv(result.summary.segments, segments_path, replace=not keep)
        else:
            write_segments_json(result.summary, segments_path, replace=not keep)
        written.append(segments_path)
        if score_file is not None:
            write_scores(f.timestamps, f.frame_indices, result.scores, score_file, replace=not keep)
            written.append(score_file)
        sidefiles.write_lists(video, result.info, result.summary.selected, lists, not keep, written)
    except BaseException:
        sidefiles.remove_written(written)  # all of a video's outputs, or none of them
        raise
    finally:
        bar.close()
    s = result.summary
    return {
        "video": str(video),
        "ok": True,
        "output": str(mp4) if mp4 else None,
        "segments": str(segments_path),
        "lists": [str(p) for p in lists],
        "duration": s.duration,
        "summary_seconds": s.selected_duration,
        "shots_selected": len(s.selected),
        "backbone": result.features.backbone,
        "device": result.device,
        "from_cache": result.features.from_cache,
        "seconds": time.monotonic() - started,
        "messages": list(result.messages),
    }


STOP_SIGNALS = tuple(
    getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n)
)
"""Ctrl-C, ``kill`` and a closed terminal all stop cleanly: no partial output, exit 128+N."""


class StopOnSignal:
    """While active, the first SIGINT/SIGTERM/SIGHUP cancels the run (every stage checks
    the token within a second and removes its temporary files); a second one of the
    same kind kills at once, as usual."""

    def __init__(self, cancel: CancelToken):
        self.cancel, self.signum = cancel, None
        self.old: dict[int, Any] = {}

    def __enter__(self):
        for sig in STOP_SIGNALS:
            try:
                self.old[sig] = signal.signal(sig, self._on_signal)
            except (ValueError, OSError):  # not the main thread: no handlers, no harm
                pass
        return self

    def _on_signal(self, signum, frame):
        if self.signum is None:
            self.signum = signum
        self.cancel.cancel()
        signal.signal(
            signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
        )
        _say(
            "\nStopping... ("
            + ("press Ctrl-C" if signum == signal.SIGINT else "send it")
            + " again to force)"
        )

    def __exit__(self, *exc):
        for sig, old in self.old.items():
            signal.signal(sig, old)
        return False

    @property
    def exit_code(self) -> int:
        return exit_code_for_signal(self.signum or signal.SIGINT)


def _say(text: str) -> None:
    """Print to stderr, never failing (after SIGHUP the terminal may be gone)."""
    with contextlib.suppress(OSError, ValueError):
        print(text, file=sys.stderr)


def main(argv: Optional[list[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args, parser)
    if not 0 < args.budget <= 100:
        parser.error("--budget must be a percentage in (0, 100]")
    if any(n is not None and n < 0 for n in (args.steps1, args.steps2)):
        parser.error("--steps1/--steps2 must be >= 0")
    try:
        videos = collect_inputs(args.inputs)
        if not videos:
            parser.error("no video files found in the given inputs")
        if args.output and len(videos) > 1:
            parser.error("-o/--output takes one input; use --output-dir for several")
        check_plan(videos, args)
        if args.output_dir:
            make_output_dir(args.output_dir)
        sidefiles.make_folders(videos, args, lambda v: output_folder(v, args))
    except TrimError as err:
        _say(f"error: {err}")
        return err.exit_code

    cancel = CancelToken()
    bar = ProgressBar(quiet=args.quiet)
    rows: list[dict] = []
    code = EXIT_OK
    with StopOnSignal(cancel) as stop:
        for video in videos:
            if len(videos) > 1 and not args.quiet:
                _say(f"== {video}")
            try:
                check(cancel)
                row = summarize_one(video, args, cancel, bar)
                rows.append(row)
                for m in row["messages"]:
                    _say(f"note: {m}")
                print(
                    f"{video}: {row['summary_seconds']:.1f}s of {row['duration']:.1f}s "
                    f"({row['shots_selected']} shots, {row['backbone']}, {row['device']})"
                    + (f" -> {row['output']}" if row["output"] else "")
                )
            except (Cancelled, KeyboardInterrupt):
                bar.close()
                _say("Cancelled; no partial output was left.")
                return stop.exit_code
            except TrimError as err:
                bar.close()
                _say(f"error: {err}")
                rows.append(
                    {"video": str(video), "ok": False, "error": str(err), "code": err.exit_code}
                )
                code = err.exit_code
    if len(videos) > 1:
        failed = [r for r in rows if not r["ok"]]
        print(
            f"\nBatch: {len(rows) - len(failed)} of {len(videos)} summarized, {len(failed)} failed."
        )
        for r in failed:
            print(f"  FAILED {r['video']}: {r['error']}")
        write_batch_report(rows, Path(args.output_dir) if args.output_dir else Path.cwd())
        return EXIT_BATCH_PARTIAL if failed and len(failed) < len(videos) else code
    return code


def write_batch_report(rows: list[dict], folder: Path) -> None:
    """trim-batch-report.json, atomically (a report cut off by a full disk is no report)."""
    from ..core import api

    try:
        api.write_text_atomic(folder / "trim-batch-report.json", json.dumps(rows, indent=2) + "\n")
    except (OSError, TrimError) as err:
        _say(f"warning: could not write the batch report: {err}")


def entry() -> None:
    try:
        sys.exit(main())
    except SystemExit:
        raise
    except Exception:  # a bug: keep the traceback, say so
        import traceback

        traceback.print_exc()
        print(
            "error: unexpected failure (a bug); please report it with the lines above.",
            file=sys.stderr,
        )
        sys.exit(EXIT_BUG)


if __name__ == "__main__":
    entry()
