"""The segments file: what trim-summarize writes beside a summary, and what an edited
copy of it gives back (``trim-summarize --from-segments``, the app's Open Segments).

The JSON carries ``format`` / ``format_version`` (SEGMENTS_VERSION) and ``ends``, which
says in words which ends are inclusive: frames ``start_frame..end_frame`` both
inclusive; seconds ``[start_time, end_time)``: the start inclusive, the end exclusive
(the next piece's start). A file without a version is version 1 (the same fields,
written before the version existed) and reads the same. Readable too: the segments CSV
(``write_segments_csv``: a header row, ``selected`` 1/0), LosslessCut's CSV (no header:
start, end, label; every row kept) and a hand-written JSON list of
``{"start_time", "end_time", "selected"}`` (``selected`` defaults to true).
Only seconds matter for a re-render: export cuts by time.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from .errors import UsageError
from .export import read_segments_csv, write_summary_json

SEGMENTS_FORMAT = "trim-desktop segments"
SEGMENTS_VERSION = 2
ENDS = (
    "start_frame and end_frame are both inclusive (the piece's first and last frame); "
    "start_time is inclusive and end_time exclusive, in seconds: [start_time, end_time)"
)


def segments_document(summary: Any) -> dict:
    """The JSON object of a summary's segments file: the version header, then the summary."""
    data = summary.to_dict() if hasattr(summary, "to_dict") else dict(summary)
    return {
        "format": SEGMENTS_FORMAT,
        "format_version": SEGMENTS_VERSION,
        "ends": ENDS,
        **{k: v for k, v in data.items() if k not in ("format", "format_version", "ends")},
    }


def write_segments_json(summary: Any, path: Any, replace: bool = True) -> Path:
    """The versioned segments JSON, atomically (``replace=False``: never over a file)."""
    return write_summary_json(segments_document(summary), path, replace)


@dataclass
class SegmentsFile:
    """A segments file as read: its pieces (dicts with at least start_time, end_time,
    selected) and what it says about its video (None where it says nothing)."""

    path: Path
    version: int
    segments: list[dict]
    duration: Optional[float] = None
    video: Optional[str] = None
    document: dict = field(default_factory=dict)  # the whole JSON object (JSON only)

    @property
    def kept(self) -> list[tuple[float, float]]:
        """(start, end) seconds of the kept pieces, in file order."""
        return [(s["start_time"], s["end_time"]) for s in self.segments if s["selected"]]


def _bad(path: Path, why: str) -> UsageError:
    return UsageError(f"Cannot read the segments file '{path.name}': {why}")


def read_segments_file(path: Any) -> SegmentsFile:
    """Read any version of the segments JSON, the segments CSV or LosslessCut's CSV.

    Raises UsageError (one line) for a missing, unreadable or malformed file, a file
    from a newer version, or a piece whose times are not numbers with start < end.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise _bad(path, "no such file") from None
    except IsADirectoryError:
        raise _bad(path, "it is a folder") from None
    except (OSError, UnicodeDecodeError) as err:
        raise _bad(path, str(getattr(err, "strerror", None) or err)) from None
    if path.suffix.lower() == ".csv":
        out = _read_csv(path, text)
    else:
        out = _read_json(path, text)
    for i, s in enumerate(out.segments):
        a, b = s["start_time"], s["end_time"]
        if not (math.isfinite(a) and math.isfinite(b) and 0 <= a < b):
            raise _bad(
                path,
                f"piece {i + 1} runs from {a} to {b} s (it must start at 0 "
                "or later and end after it starts)",
            )
    return out


def _read_json(path: Path, text: str) -> SegmentsFile:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise _bad(path, f"not JSON ({err})") from None
    doc: Any = {"segments": data} if isinstance(data, list) else data
    if not isinstance(doc, dict) or not isinstance(doc.get("segments"), list):
        raise _bad(path, 'it holds no "segments" list')
    version = doc.get("format_version", 1)
    if not isinstance(version, int) or version < 1:
        raise _bad(path, f"unknown format_version {version!r}")
    if version > SEGMENTS_VERSION:
        raise _bad(
            path,
            f"it was written by a newer TRIM Desktop (format version {version}; "
            f"this one reads up to {SEGMENTS_VERSION})",
        )
    segs = []
    for i, s in enumerate(doc["segments"]):
        try:
            segs.append(
                {
                    **s,
                    "start_time": float(s["start_time"]),
                    "end_time": float(s["end_time"]),
                    "selected": _flag(s.get("selected", True)),
                }
            )
        except (KeyError, TypeError, ValueError):
            raise _bad(path, f"piece {i + 1} lacks a numeric start_time and end_time") from None
    extra = doc.get("extra")
    extra = extra if isinstance(extra, dict) else {}
    duration = doc.get("duration")
    return SegmentsFile(
        path,
        version,
        segs,
        float(duration) if isinstance(duration, (int, float)) else None,
        extra.get("video"),
        doc if isinstance(data, dict) else {},
    )


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "kept", "y")
    return bool(value)


def _read_csv(path: Path, text: str) -> SegmentsFile:
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if rows and "start_time" in [c.strip() for c in rows[0]]:  # write_segments_csv's
        try:
            segs = read_segments_csv(path)
        except (KeyError, ValueError) as err:
            raise _bad(path, f"a row is not a segment ({err})") from None
        return SegmentsFile(path, 1, segs)
    segs = []
    for i, r in enumerate(rows):  # LosslessCut: start, end, label; every row is kept
        try:
            segs.append(
                {
                    "start_time": float(r[0]),
                    "end_time": float(r[1]),
                    "selected": True,
                    "reason": r[2] if len(r) > 2 else "",
                }
            )
        except (IndexError, ValueError):
            raise _bad(path, f"row {i + 1} is not 'start,end,label' in seconds") from None
    return SegmentsFile(path, 1, segs)


def check_fits(sf: SegmentsFile, video: Any, duration: float) -> None:
    """UsageError when ``sf`` cannot describe ``video`` (``duration`` seconds long): it
    states another length, keeps a piece that starts after the video ends, or keeps none."""
    name = Path(video).name
    tol = max(0.5, 0.01 * duration)
    if sf.duration is not None and abs(sf.duration - duration) > tol:
        raise UsageError(
            f"'{sf.path.name}' describes a video of {sf.duration:.1f} s, but "
            f"'{name}' is {duration:.1f} s long: is it another video's file?"
        )
    if not sf.kept:
        raise UsageError(
            f"'{sf.path.name}' keeps no piece: mark at least one piece \"selected\": true."
        )
    late = [a for a, _ in sf.kept if a >= duration]
    if late:
        raise UsageError(
            f"'{sf.path.name}' keeps a piece from {late[0]:.1f} s, after the "
            f"end of '{name}' ({duration:.1f} s)."
        )


def summary_from_file(sf: SegmentsFile, info: Any) -> Any:
    """A ``select.Summary`` of ``sf``'s pieces on the video ``info`` describes (the app
    shows it like its own). A full segments JSON comes back whole (scores, reasons);
    other files give pieces without scores."""
    from .select import Segment, Summary

    check_fits(sf, info.path, float(info.duration))
    doc = sf.document
    if (
        doc
        and all(
            k in doc for k in ("sample_scores", "frame_indices", "timestamps", "n_frames", "budget")
        )
        and all(
            s.get("start_frame") is not None and s.get("end_frame") is not None for s in sf.segments
        )
    ):
        summary = Summary.from_dict(
            {
                **doc,
                "segments": [
                    {
                        "score": 0.0,
                        "reason": "",
                        "junk": "",
                        **{k: v for k, v in s.items() if v is not None},
                        "index": i,
                    }
                    for i, s in enumerate(sf.segments)
                ],
            }
        )
    else:
        fps = float(info.fps) or 30.0
        segs = []
        for i, s in enumerate(sorted(sf.segments, key=lambda s: s["start_time"])):
            a, b = s["start_time"], min(s["end_time"], float(info.duration))
            first = int(round(a * fps))
            kept = s["selected"]
            segs.append(
                Segment(
                    i,
                    first,
                    max(first, int(round(b * fps)) - 1),
                    a,
                    b,
                    0.0,
                    kept,
                    s.get("reason") or ("kept" if kept else "left out") + f": from {sf.path.name}",
                )
            )
        kept_s = sum(g.duration for g in segs if g.selected)
        none = np.empty(0)
        summary = Summary(
            segs,
            none,
            none,
            none,
            float(info.duration),
            int(info.n_frames),
            kept_s / float(info.duration),
            fps,
        )
    summary.extra["rule"] = f"Pieces from {sf.path.name}"
    summary.extra["segments_file"] = str(sf.path)
    return summary


__all__ = [
    "ENDS",
    "SEGMENTS_FORMAT",
    "SEGMENTS_VERSION",
    "SegmentsFile",
    "check_fits",
    "read_segments_file",
    "segments_document",
    "summary_from_file",
    "write_segments_json",
]
