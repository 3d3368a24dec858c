"""Cut lists: the summary's kept pieces handed to another program (an editor, a player,
YouTube, FFmpeg, LosslessCut) instead of a re-encoded video.

``write_cutlist(path, video, ranges)`` picks the format from the file name's ending:

- ``.otio``   OpenTimelineIO: one video track of clips of the source, in order;
- ``.edl``    CMX 3600 EDL (via OpenTimelineIO's cmx_3600 adapter);
- ``.fcpxml`` Final Cut Pro X XML (via OpenTimelineIO's fcpx_xml adapter);
- ``.chapters.txt`` YouTube-style chapters, one line per piece (first at 0:00; YouTube
  shows chapters only when there are three or more of 10 s or longer: every piece is
  listed all the same, for other players and for editing by hand);
- ``.srt``    SubRip subtitles, one cue per piece;
- ``.ffconcat`` an FFmpeg concat list (``file`` / ``inpoint`` / ``outpoint``);
- ``.csv``    LosslessCut's CSV: ``start,end,label`` in seconds, no header.

Timelines: .otio, .edl and .fcpxml hold both (each clip's source range, and its place on
the record side); .ffconcat and .csv give the pieces in source time (what the tool cuts);
.chapters.txt and .srt are in the *summary's* timeline (the exported summary video starts
at 0 and plays the pieces back to back), because chapters and subtitles are shown on that
video; each line also names the piece's source time. The .otio file uses the source's
real frame rate; .edl and .fcpxml can only state the standard editing rates, so a source
at another rate gets the nearest one or a multiple (15 fps -> 30, see ``timeline_rate``);
each cut goes to the first frame at or after it (the frames export keeps). An EDL states no rate at all: read
it back at ``timeline_rate(".edl", fps)``. Every file is written atomically (temporary
file, then rename), like the rest of the core.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from .errors import UsageError
from .export import _atomic_write_text, selected_ranges

FORMATS: dict[str, str] = {
    ".otio": "OpenTimelineIO",
    ".edl": "CMX 3600 EDL",
    ".fcpxml": "Final Cut Pro X XML",
    ".chapters.txt": "YouTube chapters",
    ".srt": "SubRip subtitles",
    ".ffconcat": "FFmpeg concat list",
    ".csv": "LosslessCut CSV",
}
"""Supported endings (longest first where one ends another) and what they write."""


def format_of(path: Any) -> Optional[str]:
    """The FORMATS key for ``path``'s ending (case-insensitive), None when unsupported."""
    name = Path(path).name.lower()
    for ext in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(ext) and len(name) > len(ext):
            return ext
    return None


def supported_text() -> str:
    return ", ".join(FORMATS)


def check_cutlist_path(path: Any) -> str:
    """The format of ``path``, or UsageError naming the supported endings."""
    ext = format_of(path)
    if ext is None:
        raise UsageError(
            f"Cannot tell the cut list format of '{Path(path).name}': "
            f"name it with one of {supported_text()}."
        )
    return ext


# ---------------------------------------------------------------- time text


def clock(seconds: float) -> str:
    """YouTube's chapter time: M:SS, or H:MM:SS from an hour on (whole seconds, down)."""
    s = int(math.floor(seconds + 1e-6))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def srt_time(seconds: float) -> str:
    """SubRip's HH:MM:SS,mmm."""
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def source_time(seconds: float) -> str:
    """H:MM:SS.mmm for a piece's source time in labels."""
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h}:{m:02d}:{s:02d}.{ms:03d}"


def summary_starts(ranges: Sequence[tuple[float, float]]) -> list[float]:
    """Where each piece starts in the summary video (the pieces back to back)."""
    starts, t = [], 0.0
    for a, b in ranges:
        starts.append(t)
        t += b - a
    return starts


def default_label(i: int, a: float, b: float) -> str:
    return f"Piece {i + 1} (source {source_time(a)} - {source_time(b)})"


# ---------------------------------------------------------------- the writers


def _chapters(video: Path, ranges, labels, fps) -> str:
    lines = [f"{clock(t)} {label}" for t, label in zip(summary_starts(ranges), labels)]
    return "\n".join(lines) + "\n"


def _srt(video: Path, ranges, labels, fps) -> str:
    out = []
    for i, ((a, b), t, label) in enumerate(zip(ranges, summary_starts(ranges), labels)):
        out.append(f"{i + 1}\n{srt_time(t)} --> {srt_time(t + b - a)}\n{label}\n")
    return "\n".join(out)


def _quote(path: str) -> str:
    """FFmpeg's token quoting: inside '...' everything is literal; a ' is written '\\''."""
    return "'" + path.replace("'", "'\\''") + "'"


def _ffconcat(video: Path, ranges, labels, fps) -> str:
    lines = ["ffconcat version 1.0"]
    for (a, b), label in zip(ranges, labels):
        lines += [
            f"# {label}",
            f"file {_quote(str(video))}",
            f"inpoint {a:.6f}",
            f"outpoint {b:.6f}",
        ]
    return "\n".join(lines) + "\n"


def _csv(video: Path, ranges, labels, fps) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows((f"{a:.6f}", f"{b:.6f}", label) for (a, b), label in zip(ranges, labels))
    return buf.getvalue()


def timeline(video: Path, ranges, labels, fps: float, duration: Optional[float] = None):
    """An OpenTimelineIO Timeline: one video track, one clip of ``video`` per range, in
    order, each with its source range in frames at ``fps``: from the first frame at or
    after its start to the first at or after its end (exclusive), the frames export keeps."""
    import opentimelineio as otio

    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange

    def frames(seconds: float):  # the first frame at or after ``seconds``: export's cut
        return rt(math.ceil(seconds * fps - 1e-6), fps)

    available = None if not duration else tr(rt(0, fps), frames(duration))
    tl = otio.schema.Timeline(name=f"{video.stem} summary")
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    tl.tracks.append(track)
    for (a, b), label in zip(ranges, labels):
        start, end = frames(a), frames(b)
        if end.value <= start.value:
            end = rt(start.value + 1, fps)  # a piece shorter than a frame keeps one frame
        ref = otio.schema.ExternalReference(target_url=video.as_uri(), available_range=available)
        clip = otio.schema.Clip(
            name=label,
            media_reference=ref,
            source_range=otio.opentime.range_from_start_end_time(start, end),
        )
        clip.metadata["cmx_3600"] = {"reel": "AX"}  # the EDL's name for a file source
        track.append(clip)
    return tl


EDITING_RATES = {
    ".edl": (24000 / 1001, 24.0, 25.0, 30000 / 1001, 30.0, 48.0, 50.0, 60000 / 1001, 60.0),
    ".fcpxml": (23.98, 24.0, 25.0, 29.97, 30.0, 50.0, 59.94, 60.0),
}
"""The frame rates each editing format can state: SMPTE timecode's (EDL), and the
fcpx_xml adapter's table (FCPXML; it names the NTSC rates 23.98 / 29.97 / 59.94)."""


def timeline_rate(ext: str, fps: float) -> float:
    """The frame rate a cut list of format ``ext`` is written at for a source at ``fps``:
    the source's own for .otio; for .edl / .fcpxml the allowed rate within 0.1% of it,
    else the smallest allowed multiple of it (15 -> 30, 12.5 -> 25), else the nearest.
    Cuts are rounded to frames of this rate."""
    rates = EDITING_RATES.get(ext)
    if not rates or fps <= 0:
        return fps
    nearest = min(rates, key=lambda r: abs(r - fps))
    if abs(nearest - fps) <= 0.001 * fps:
        return nearest
    multiples = [r for r in rates if r > fps and abs(r / fps - round(r / fps)) < 0.0005]
    return min(multiples) if multiples else nearest


def _otio(ext: str, adapter: str) -> Callable:
    def write(video: Path, ranges, labels, fps, duration=None) -> str:
        import opentimelineio as otio

        tl = timeline(video, ranges, labels, timeline_rate(ext, fps), duration)
        return otio.adapters.write_to_string(tl, adapter)

    return write


WRITERS: dict[str, Callable] = {
    ".otio": _otio(".otio", "otio_json"),
    ".edl": _otio(".edl", "cmx_3600"),
    ".fcpxml": _otio(".fcpxml", "fcpx_xml"),
    ".chapters.txt": _chapters,
    ".srt": _srt,
    ".ffconcat": _ffconcat,
    ".csv": _csv,
}
OTIO_FORMATS = (".otio", ".edl", ".fcpxml")


def write_cutlist(
    path: Any,
    video: Any,
    ranges: Any,
    labels: Optional[Sequence[str]] = None,
    fps: Optional[float] = None,
    duration: Optional[float] = None,
    replace: bool = True,
) -> Path:
    """Write the kept ``ranges`` of ``video`` to ``path`` in the format its ending names.

    ``video``: a path or a ``VideoInfo`` (probe's; gives the frame rate and duration).
    ``ranges``: (start, end) seconds, Segment-like objects or a Summary (only the kept
    pieces count; they are sorted and touching ones merged, as export does). ``labels``:
    one per range (default "Piece N (source H:MM:SS.mmm - H:MM:SS.mmm)"). ``fps`` /
    ``duration`` are read from the file when not given and needed. Raises UsageError
    for an unknown ending or no kept piece; ``replace=False`` never replaces a file.
    """
    path = Path(path)
    ext = check_cutlist_path(path)
    if hasattr(video, "fps") and hasattr(video, "path"):
        info = video
        video = Path(info.path)
        fps = fps or float(info.fps)
        duration = duration if duration is not None else float(info.duration)
    video = Path(video).resolve()
    pieces = selected_ranges(ranges, duration)
    if not pieces:
        raise UsageError(f"No piece is kept, so '{path.name}' would list nothing.")
    if labels is None:
        labels = [default_label(i, a, b) for i, (a, b) in enumerate(pieces)]
    elif len(labels) != len(pieces):
        raise ValueError(f"{len(labels)} labels for {len(pieces)} pieces")
    labels = [" ".join(str(x).split()) for x in labels]  # one line each
    if ext in OTIO_FORMATS:
        if fps is None:
            from .decode import probe

            info = probe(video)
            fps, duration = float(info.fps), duration or float(info.duration)
        text = WRITERS[ext](video, pieces, labels, float(fps), duration)
    else:
        text = WRITERS[ext](video, pieces, labels, fps)
    return _atomic_write_text(path, text, replace)


__all__ = [
    "EDITING_RATES",
    "FORMATS",
    "OTIO_FORMATS",
    "check_cutlist_path",
    "format_of",
    "summary_starts",
    "timeline",
    "timeline_rate",
    "write_cutlist",
]
