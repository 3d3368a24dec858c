"""The export choices in one place: one video or one clip per piece, accurate or fast.

``export_video`` is what the CLI, the pipeline and the app call. "accurate" (the
default) re-encodes, so every cut is frame-exact (``export.export_mp4``); "fast" copies
the packets, so each piece starts at the keyframe at or before its cut, up to a GOP
early (``remux.export_fast``). ``clips=True`` writes one file per kept piece into a new
folder, all of them or none: they are written into a hidden folder beside it, which is
renamed only when every clip is complete.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Optional

from . import export as _export
from . import remux as _remux
from .containers import EXTENSIONS_TEXT, container_for
from .errors import OutputError, UsageError
from .progress import CancelToken, Progress, ProgressFn, check

EXPORT_MODES = ("accurate", "fast")
"""accurate: re-encoded, frame-exact cuts (default); fast: stream copy, keyframe cuts."""

CLIP_NAME = re.compile(r"piece-\d+-\d+m\d\ds\.(mp4|m4v|mov|mkv)$")
"""The names export_clips gives; a folder holding only these may be replaced."""


def check_mode(mode: str) -> str:
    if mode not in EXPORT_MODES:
        raise UsageError(f"Unknown export mode '{mode}': use " + " or ".join(EXPORT_MODES) + ".")
    return mode


def export_video(
    src,
    segments: Any,
    out_path,
    mode: str = "accurate",
    clips: bool = False,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    replace: bool = True,
    chapters: bool = True,
    clip_format: str = "mp4",
) -> Path:
    """Write the kept pieces of ``src``: one video at ``out_path`` (its ending picks the
    container; chapters mark the pieces), or with ``clips`` one file per piece in the
    new folder ``out_path`` (``clip_format``: mp4, m4v, mov or mkv)."""
    check_mode(mode)
    if clips:
        return export_clips(src, segments, out_path, mode, progress, cancel, replace, clip_format)
    if mode == "fast":
        return _remux.export_fast(
            src,
            segments,
            out_path,
            progress=progress,
            cancel=cancel,
            replace=replace,
            chapters=chapters,
        )
    return _export.export_mp4(
        src,
        segments,
        out_path,
        progress=progress,
        cancel=cancel,
        replace=replace,
        chapters=chapters,
    )


def clip_name(i: int, start: float, ext: str) -> str:
    """piece-03-1m23s.mp4: the piece's number and where it starts in the source."""
    s = int(start + 1e-6)
    return f"piece-{i:02d}-{s // 60}m{s % 60:02d}s{ext}"


def export_clips(
    src,
    segments: Any,
    folder,
    mode: str = "accurate",
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    replace: bool = False,
    clip_format: str = "mp4",
) -> Path:
    """One file per kept piece of ``src`` in the new folder ``folder``; all or none.

    The folder must not hold other files: an empty one is filled, and with ``replace``
    one holding only clips of an earlier export is replaced; anything else is an
    :class:`OutputError` (clips are never mixed with other files, nor are those deleted).
    Progress stage "export" runs over all the pieces.
    """
    folder = Path(folder)
    ext = "." + clip_format.lower().lstrip(".")
    if container_for(f"x{ext}") is None:
        raise UsageError(
            f"Cannot write clips as '{clip_format}': the clips' container must "
            f"be {EXTENSIONS_TEXT}."
        )
    check_mode(mode)
    old = _existing(folder, replace)
    _info, _ranges, pieces = _export.check_export(src, segments, folder)
    total = sum(b - a for a, b in pieces)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.partial-", dir=str(folder.parent)))
    except OSError as err:
        raise _export._output_error(folder, err) from None
    try:
        with contextlib.suppress(OSError):
            os.chmod(tmp, 0o777 & ~_export._umask())
        done = 0.0
        for i, (a, b) in enumerate(pieces, start=1):
            check(cancel)
            export_video(
                src,
                [(a, b)],
                tmp / clip_name(i, a, ext),
                mode=mode,
                progress=_shifted(progress, done, total),
                cancel=cancel,
                chapters=False,
            )
            done += b - a
        check(cancel)
        _place_folder(tmp, folder, old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder


def check_folder(folder, replace: bool) -> None:
    """Refuse, before any work, a clips folder :func:`export_clips` would refuse."""
    _existing(Path(folder), replace)


def _existing(folder: Path, replace: bool) -> bool:
    """Whether ``folder`` is there to be replaced (False: absent or empty); refuse a
    file, and a folder with anything but our clips (or, without ``replace``, any)."""
    if not folder.exists():
        return False
    if not folder.is_dir():
        raise OutputError(f"Cannot write the clips into '{folder}': it is a file, not a folder")
    names = [p.name for p in folder.iterdir()]
    if not names:
        return False
    if replace and all(CLIP_NAME.match(n) for n in names):
        return True
    raise OutputError(
        f"Cannot write the clips into '{folder}': the folder already holds "
        "files" + ("" if replace else " (--force replaces earlier clips)") + "; name a new folder"
    )


def _place_folder(tmp: Path, folder: Path, old: bool) -> None:
    """Rename the finished ``tmp`` folder to ``folder``. A folder that appeared with
    files meanwhile is kept (the rename refuses a folder that is not empty)."""
    aside = None
    if old:
        aside = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=str(folder.parent)))
        os.replace(folder, aside)  # over the empty aside folder
    try:
        os.rename(tmp, folder)
    except OSError as err:
        if aside is not None:
            os.replace(aside, folder)
        if isinstance(err, (FileExistsError, NotADirectoryError)) or err.errno in (
            errno.ENOTEMPTY,
            errno.EEXIST,
        ):
            raise _export.OutputAppeared(
                f"Output '{folder}' appeared while this run was working; it was kept and "
                "no clip was written."
            ) from None
        raise _export._output_error(folder, err) from None
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)


def _shifted(progress: Optional[ProgressFn], done: float, total: float):
    """One clip's progress as part of the whole export's."""
    if progress is None:
        return None

    def report(p: Progress) -> None:
        progress(Progress("export", min(done + p.done, total), total, p.payload, p.message))

    return report
