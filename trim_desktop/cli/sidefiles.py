"""trim-summarize's hand-off options: ``--list`` cut lists, per-video side-file names
(a folder or a ``{stem}`` template for --segments / --scores / --list / --from-segments,
so a batch gives every video its own file), and ``--from-segments`` (export the kept
pieces of an edited segments file: no features, no training).

A name template may use ``{stem}`` (the video's file name without its ending) and
``{name}`` (with it). A template without a folder part lands where the summaries go
(-o's folder, --output-dir, else beside each video); one with a folder part is taken as written.
A folder (existing, or written with a trailing slash) gets a default name per video.
"""

from __future__ import annotations

import os
import shutil
import string
import time
from pathlib import Path
from typing import Any, Optional

from ..core.errors import UsageError

DEFAULT_NAMES = {"--segments": "{stem}.segments.json", "--scores": "{stem}.scores.csv"}
FROM_FOLDER_NAMES = (
    "{stem}.segments.json",
    "{stem}.summary.json",
    "{stem}.segments.csv",
    "{stem}.csv",
)
"""What --from-segments FOLDER looks for, in order, for each video."""
FIELDS = {"stem", "name"}


def add_arguments(group) -> None:
    """The options of this module, in trim-summarize's "output" group."""
    group.add_argument(
        "--list",
        action="append",
        metavar="FILE",
        default=[],
        help="also write a cut list of the kept pieces (repeatable); the ending "
        "picks the format: .otio, .edl, .fcpxml, .chapters.txt, .srt, "
        ".ffconcat, .csv (LosslessCut). Several videos: a template such "
        "as {stem}.edl",
    )
    group.add_argument(
        "--from-segments",
        metavar="FILE",
        help="export the pieces marked selected in this segments file (.json "
        "or .csv, e.g. edited by hand) without summarizing again; several "
        "videos: a folder or a template such as {stem}.segments.json",
    )


def is_per_video(spec: Optional[str]) -> bool:
    """A template ("{stem}...") or a folder: every video gets its own file."""
    if not spec:
        return False
    return "{" in spec or spec.endswith(("/", os.sep)) or Path(spec).is_dir()


def _fields(spec: str, flag: str) -> None:
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(spec) if f is not None}
    except ValueError as err:
        raise UsageError(
            f"{flag} '{spec}': not a name template ({err}); use {{stem}} or {{name}}."
        ) from None
    unknown = names - FIELDS
    if unknown:
        raise UsageError(
            f"{flag} '{spec}' uses {{{sorted(unknown)[0]}}}; a name template "
            "knows {stem} and {name}."
        )


def side_path(spec: str, video: Path, folder: Path, flag: str) -> Path:
    """The file ``spec`` names for ``video`` (``folder``: where its summary goes)."""
    if not is_per_video(spec):
        return Path(spec)
    if "{" not in spec:  # a folder
        if flag not in DEFAULT_NAMES:
            raise UsageError(
                f"{flag} '{spec}' is a folder; give a name template such as "
                f"'{Path(spec) / '{stem}.edl'}' (its ending picks the format)."
            )
        spec = str(Path(spec) / DEFAULT_NAMES[flag])
    _fields(spec, flag)
    name = spec.format(stem=video.stem, name=video.name)
    path = Path(name)
    return path if Path(spec).parent != Path(".") else folder / path


def from_segments_path(spec: str, video: Path, folder: Path) -> Path:
    """The segments file --from-segments names for ``video``."""
    if is_per_video(spec) and "{" not in spec:  # a folder: the first that exists
        tries = [Path(spec) / n.format(stem=video.stem) for n in FROM_FOLDER_NAMES]
        return next((p for p in tries if p.is_file()), tries[0])
    return side_path(spec, video, folder, "--from-segments")


def check_args(videos: list[Path], args: Any) -> None:
    """Before any work: side-file names that one video's file would overwrite another's
    are refused, --list endings are known, and --from-segments goes with what it can do."""
    from ..core.cutlists import check_cutlist_path

    several = len(videos) > 1
    for flag, spec in (
        ("--segments", args.segments),
        ("--scores", args.scores),
        *(("--list", x) for x in args.list),
        ("--from-segments", args.from_segments),
    ):
        if not spec:
            continue
        if several and not is_per_video(spec):
            hint = (
                ""
                if flag in ("--list", "--from-segments")
                else f", or leave {flag} out (segments go beside each summary)"
            )
            raise UsageError(
                f"{flag} names one file, but {len(videos)} videos are given: each "
                "video's file would replace the last one's. Give a folder or a "
                f"name template such as {{stem}}.{_example(flag)}{hint}."
            )
        if "{" in spec:
            _fields(spec, flag)
        if flag == "--list":
            if "{" not in spec and is_per_video(spec):
                side_path(spec, videos[0], videos[0].parent, flag)  # raises: a folder
            check_cutlist_path(spec)
    if args.from_segments:
        if args.segments or args.scores:
            flag = "--segments" if args.segments else "--scores"
            raise UsageError(
                f"{flag} writes a new summary's file, but --from-segments "
                "summarizes nothing; leave one of them out."
            )
        if args.no_export and not args.list:
            raise UsageError("--from-segments with --no-export and no --list writes nothing.")


def make_folders(videos: list[Path], args: Any, folder_of: Any) -> None:
    """Create the folders that folder / template side-file names ask for (after the
    checks, like --output-dir); plain file names keep needing an existing folder."""
    from ..core.errors import OutputError

    specs = [
        (f, x)
        for f, x in (
            ("--segments", args.segments),
            ("--scores", args.scores),
            *(("--list", x) for x in args.list),
        )
        if is_per_video(x)
    ]
    for video in videos:
        for flag, spec in specs:
            parent = side_path(spec, video, folder_of(video), flag).parent
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise OutputError(
                    f"Cannot create the folder '{parent}' for {flag}: {err.strerror or err}"
                ) from None


def _example(flag: str) -> str:
    return {
        "--segments": "segments.json",
        "--scores": "scores.csv",
        "--list": "edl",
        "--from-segments": "segments.json",
    }[flag]


def list_paths(video: Path, folder: Path, args: Any) -> list[Path]:
    return [side_path(spec, video, folder, "--list") for spec in args.list]


def write_lists(
    video: Path, info: Any, ranges: Any, paths: list[Path], replace: bool, written: list[Path]
) -> None:
    """Each --list file of ``video`` (``written`` grows as they land, for the cleanup)."""
    from ..core.cutlists import write_cutlist

    for path in paths:
        write_cutlist(path, info, ranges, replace=replace)
        written.append(path)


def export_summary(
    video: Path,
    kept: Any,
    out: Optional[Path],
    args: Any,
    bar: Any,
    cancel: Any,
    written: list[Path],
) -> None:
    """The summary video (or its clips folder) of ``video``'s ``kept`` pieces, as the
    export options ask (``written`` grows when it lands, for :func:`remove_written`)."""
    from ..core.video_out import export_video

    if out is None:
        return
    export_video(
        video,
        kept,
        out,
        mode=args.export_mode,
        clips=args.clips,
        clip_format=args.clip_format,
        progress=bar,
        cancel=cancel,
        replace=args.force,
    )
    written.append(out)


def remove_written(paths: list[Path]) -> None:
    """Remove what a failed or cancelled run wrote: a video's outputs land all or none
    (a clips folder this run made goes whole)."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def from_segments_one(
    video: Path,
    mp4: Optional[Path],
    lists: list[Path],
    seg_path: Path,
    args: Any,
    cancel: Any,
    bar: Any,
) -> dict:
    """--from-segments for one video: read and check the file, export exactly its kept
    pieces and write the --list files; all of them or none. Returns a report row."""
    from ..core.decode import probe
    from ..core.export import selected_ranges
    from ..core.progress import check
    from ..core.segments_file import check_fits, read_segments_file

    started = time.monotonic()
    sf = read_segments_file(seg_path)
    info = probe(video)
    check_fits(sf, video, float(info.duration))
    ranges = selected_ranges(sf.kept, float(info.duration))
    written: list[Path] = []
    keep = not args.force
    try:
        export_summary(video, ranges, mp4, args, bar, cancel, written)
        check(cancel)
        write_lists(video, info, ranges, lists, not keep, written)
    except BaseException:
        remove_written(written)
        raise
    finally:
        bar.close()
    return {
        "video": str(video),
        "ok": True,
        "output": str(mp4) if mp4 else None,
        "segments": str(seg_path),
        "lists": [str(p) for p in lists],
        "duration": float(info.duration),
        "summary_seconds": sum(b - a for a, b in ranges),
        "shots_selected": len(sf.kept),
        "backbone": f"from {seg_path.name}",
        "device": "no training",
        "from_cache": False,
        "seconds": time.monotonic() - started,
        "messages": [],
    }


__all__ = [
    "add_arguments",
    "export_summary",
    "remove_written",
    "check_args",
    "from_segments_one",
    "from_segments_path",
    "is_per_video",
    "list_paths",
    "make_folders",
    "side_path",
    "write_lists",
]
