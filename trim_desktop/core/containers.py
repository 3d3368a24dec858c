"""Output containers and chapter marks: what every video writer agrees on.

The container follows the output's file name (``x.mkv`` is Matroska, not MP4 bytes under
another name), and a name the writers cannot honour is refused before any work, as a
usage error. Chapters mark where each kept piece starts, titled with its source time, so
a player's chapter menu jumps from piece to piece.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any, Optional, Sequence

from .errors import UsageError

CONTAINERS = {".mp4": "mp4", ".m4v": "mp4", ".mov": "mov", ".mkv": "matroska"}
"""Output containers by file name ending; H.264 + AAC fits all of them."""

EXTENSIONS_TEXT = ".mp4, .m4v, .mov or .mkv"

CHAPTER_TIME_BASE = Fraction(1, 1000)


def container_for(path) -> Optional[str]:
    """The container a summary named ``path`` is written in, None for other endings."""
    return CONTAINERS.get(Path(path).suffix.lower())


def require_container(path, what: str = "the output") -> str:
    """The container for ``path``, or a :class:`UsageError` (exit 2) naming the endings."""
    fmt = container_for(path)
    if fmt is None:
        raise UsageError(
            f"Cannot write {what} '{Path(path).name}': the name must end in "
            f"{EXTENSIONS_TEXT} (the ending picks the container)."
        )
    return fmt


def mux_options(fmt: str) -> dict:
    """Muxer options: MP4 / MOV put their index first so players start at once."""
    return {"movflags": "+faststart"} if fmt in ("mp4", "mov") else {}


def clock(seconds: float) -> str:
    """1:23 or 1:02:03 (source times in chapter titles and clip names)."""
    s = int(seconds + 1e-6)
    h, m, sec = s // 3600, s // 60 % 60, s % 60
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def piece_chapters(
    pieces: Sequence[tuple[float, float]],
    spans: Sequence[tuple[float, float, float, float]],
    total: float,
) -> list[Any]:
    """Chapters, in the form ``OutputContainer.set_chapters`` takes, for the kept
    ``pieces`` (source seconds, touching ones not merged): "Piece 3 - 1:23" starts where
    piece 3 does in the output and names its source time.

    ``spans``: per range the writer cut (merged pieces), ``(asked start, asked end, real
    start, output offset)``; the real start is where the copy began (a keyframe, in the
    fast export), so the first piece of a range starts at its offset and names that time.
    """
    rows = []
    for a, _b in pieces:
        for ra, rb, real, offset in spans:
            if ra - 1e-6 <= a < rb:
                first = abs(a - ra) <= 1e-6
                rows.append((offset if first else offset + (a - real), real if first else a))
                break
    chapters = []
    for i, (start_s, src) in enumerate(rows, start=1):
        end_s = rows[i][0] if i < len(rows) else total
        start = int(round(start_s / CHAPTER_TIME_BASE))
        end = max(int(round(end_s / CHAPTER_TIME_BASE)), start + 1)
        chapters.append(
            {
                "id": i,
                "start": start,
                "end": end,
                "time_base": CHAPTER_TIME_BASE,
                "metadata": {"title": f"Piece {i} - {clock(src)}"},
            }
        )
    return chapters
