"""Writing results: the frame-accurate summary video (H.264 + AAC) and the JSON / CSV
side files, and the output helpers every writer shares (temporary names, ``place``).

Every writer is atomic: it writes a hidden temporary file beside the target and renames
it into place only when complete, so a crash, a full disk or a cancel never leaves a
half-written file under the real name (and never touches an existing good one).

Cuts are frame-accurate: a segment [start, end) keeps exactly the decoded frames whose
presentation time t (see ``video.stream_start``) satisfies start <= t < end, and the
audio samples of the same interval, so picture and sound stay in sync after the kept
pieces are joined back to back.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import json
import logging
import os
import tempfile
from dataclasses import asdict, is_dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional, Sequence

import av
import numpy as np

from .audio_cut import AAC_RATES, SEEK_GAP_S, AudioCutter, chain, seek_before
from .containers import CONTAINERS, container_for, mux_options, piece_chapters, require_container
from .decode import (
    decode_frames,
    enable_threads,
    frame_seconds,
    open_input,
    probe,
    stream_start,
    video_stream,
)
from .errors import InputVideoError, OutputError, TrimError
from .progress import CancelToken, ProgressFn, check, report

log = logging.getLogger(__name__)

OUT_TIME_BASE = Fraction(1, 90000)
"""Output video time base: fine enough for any source frame timing (VFR kept)."""

__all__ = [
    "AAC_RATES",
    "CONTAINERS",
    "SEEK_GAP_S",
    "OutputAppeared",
    "container_for",
    "export_mp4",
    "output_mode",
    "piece_ranges",
    "place",
    "read_scores_csv",
    "read_segments_csv",
    "read_summary_json",
    "selected_ranges",
    "write_scores",
    "write_scores_csv",
    "write_segments_csv",
    "write_summary_json",
]


# ---------------------------------------------------------------- segments


def selected_ranges(segments: Any, duration: Optional[float] = None) -> list[tuple[float, float]]:
    """Sorted, merged (start, end) pairs from tuples, Segment-like objects or a Summary.

    Objects with a ``selected`` attribute count only when it is true. Ranges are clipped
    to ``[0, duration]`` and overlapping or touching ranges merged.
    """
    if hasattr(segments, "segments") and not isinstance(segments, (list, tuple)):
        segments = segments.segments
    ranges = []
    for seg in segments:
        if hasattr(seg, "start_time"):
            if not getattr(seg, "selected", True):
                continue
            a, b = float(seg.start_time), float(seg.end_time)
        else:
            a, b = float(seg[0]), float(seg[1])
        a = max(a, 0.0)
        if duration is not None:
            b = min(b, duration)
        if b > a:
            ranges.append((a, b))
    ranges.sort()
    merged: list[tuple[float, float]] = []
    for a, b in ranges:
        if merged and a <= merged[-1][1] + 1e-9:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def piece_ranges(segments: Any, duration: Optional[float] = None) -> list[tuple[float, float]]:
    """The kept pieces one by one: like :func:`selected_ranges`, but pieces that only
    touch stay apart (a clip and a chapter each); overlapping ones are joined."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(_pairs_clipped(segments, duration)):
        if out and a < out[-1][1] - 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _pairs(segments: Any):
    if hasattr(segments, "segments") and not isinstance(segments, (list, tuple)):
        segments = segments.segments
    for seg in segments:
        if hasattr(seg, "start_time"):
            if getattr(seg, "selected", True):
                yield float(seg.start_time), float(seg.end_time)
        else:
            yield float(seg[0]), float(seg[1])


def _pairs_clipped(segments: Any, duration: Optional[float]):
    for a, b in _pairs(segments):
        a, b = max(a, 0.0), (min(b, duration) if duration is not None else b)
        if b > a:
            yield a, b


# ---------------------------------------------------------------- atomic files


def _same_file(a, b) -> bool:
    pa, pb = Path(a).resolve(), Path(b).resolve()
    if pa == pb:
        return True
    with contextlib.suppress(OSError):
        return os.path.samefile(pa, pb)
    return False


def _output_error(path, err: BaseException) -> OutputError:
    """Turn an OS error into a one-line message the user can act on."""
    name = Path(path).name
    code = getattr(err, "errno", None)
    if code == errno.ENOSPC:
        return OutputError(f"Cannot write '{name}': the disk is full")
    if code in (errno.EACCES, errno.EPERM, errno.EROFS) or isinstance(err, PermissionError):
        return OutputError(
            f"Cannot write '{name}': the folder '{Path(path).parent}' "
            "is read-only (permission denied)"
        )
    if code == errno.ENOENT or isinstance(err, FileNotFoundError):
        return OutputError(
            f"Cannot write '{name}': the folder '{Path(path).parent}' does not exist"
        )
    text = getattr(err, "strerror", None) or str(err) or type(err).__name__
    return OutputError(f"Cannot write '{name}': {str(text).splitlines()[0]}")


def _umask() -> int:
    """This process's umask, read without changing it where the OS tells (Linux)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    old = os.umask(0o022)  # elsewhere: the classic read-by-setting (a moment's race)
    os.umask(old)
    return old


def output_mode() -> int:
    """Permission bits for a file we write: what ``open()`` would give (0666 - umask),
    not mkstemp's private 0600, so ``--force`` never narrows an existing 644 file."""
    return 0o666 & ~_umask()


def _temp_beside(path: Path, suffix: str) -> Path:
    """Create (empty) and return a hidden temporary file in ``path``'s folder."""
    try:
        fd, tmp = tempfile.mkstemp(
            prefix=f".{path.stem}.partial-", suffix=suffix, dir=str(path.parent)
        )
    except OSError as err:
        raise _output_error(path, err) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.chmod(tmp, output_mode())
    return Path(tmp)


_NO_HARD_LINKS = {
    errno.EPERM,
    errno.EOPNOTSUPP,
    errno.ENOTSUP,
    errno.ENOSYS,
    errno.EMLINK,
    errno.EXDEV,
}
"""os.link errors of file systems without hard links (FAT, exFAT, some network shares)."""


class OutputAppeared(OutputError):
    """The output file was created by someone else while we were working on it."""


def place(tmp, path, replace: bool = True) -> Path:
    """Move the finished temporary file ``tmp`` to ``path``.

    ``replace=False`` never replaces a file that is there now, even one that appeared
    after the run started (another run writing the same name): a hard link fails
    atomically when the name exists; where the file system has no hard links, an
    exclusive create claims the name first and the rename then replaces only our claim.
    """
    tmp, path = Path(tmp), Path(path)
    if replace:
        os.replace(tmp, path)
        return path
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise _appeared(path) from None
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, output_mode())
        except FileExistsError:
            raise _appeared(path) from None
        os.close(fd)
        os.replace(tmp, path)
        return path
    _remove_quietly(tmp)
    return path


def _appeared(path: Path) -> OutputAppeared:
    return OutputAppeared(
        f"Output '{path}' appeared while this run was working (another "
        "run writing the same name?); it was kept and nothing was written. "
        "Use --force to replace it."
    )


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _atomic_write_text(path, text: str, replace: bool = True) -> Path:
    """Write ``text`` to ``path`` via a temporary file, then :func:`place` it."""
    path = Path(path)
    tmp = _temp_beside(path, path.suffix or ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        place(tmp, path, replace)
    except TrimError:
        _remove_quietly(tmp)
        raise
    except OSError as err:
        _remove_quietly(tmp)
        raise _output_error(path, err) from None
    except BaseException:
        _remove_quietly(tmp)
        raise
    return path


def check_writable(out: Path) -> None:
    """Fail before a long computation, not after it, when ``out``'s folder takes no files
    (with the same one-line error a failed write would give)."""
    out = Path(out)
    if not out.parent.is_dir():
        raise OutputError(f"Cannot write '{out.name}': the folder '{out.parent}' does not exist.")
    _remove_quietly(_temp_beside(out, ".tmp"))


# The public names of the helpers above (the CLIs and core.modelfile use them; core.api).
temp_beside = _temp_beside
output_error = _output_error
write_text_atomic = _atomic_write_text


# ---------------------------------------------------------------- JSON / CSV


def _jsonable(obj: Any) -> Any:
    """json.dumps fallback for numpy values, dataclasses and paths."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    if isinstance(obj, (Path, Fraction)):
        return str(obj)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    raise TypeError(f"cannot store {type(obj).__name__} in JSON")


def write_summary_json(summary: Any, path, replace: bool = True) -> Path:
    """Write a summary (an object with ``.to_dict()`` or a plain dict) as JSON, atomically
    (``replace=False``: never over a file that is there, see :func:`place`)."""
    data = summary.to_dict() if hasattr(summary, "to_dict") else summary
    text = json.dumps(data, indent=2, default=_jsonable, allow_nan=False)
    return _atomic_write_text(path, text + "\n", replace)


def read_summary_json(path, cls: Any = None) -> Any:
    """Read a summary JSON file: a dict, or ``cls.from_dict(dict)`` when ``cls`` is given."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        raise TrimError(
            f"Cannot read summary '{Path(path).name}': {getattr(err, 'strerror', None) or err}"
        ) from None
    return cls.from_dict(data) if cls is not None else data


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_scores_csv(timestamps, frame_indices, scores, path, replace: bool = True) -> Path:
    """One row per sample: time (s), frame index, score; for spreadsheets and plots."""
    t = np.asarray(timestamps, dtype=np.float64)
    idx = np.asarray(frame_indices, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    if not (len(t) == len(idx) == len(s)):
        raise ValueError("timestamps, frame_indices and scores differ in length")
    rows = ((f"{a:.6f}", int(b), f"{c:.6f}") for a, b, c in zip(t, idx, s))
    return _atomic_write_text(path, _csv_text(("time_s", "frame_index", "score"), rows), replace)


def write_scores(timestamps, frame_indices, scores, path, replace: bool = True) -> Path:
    """Per-sample scores as CSV, or as JSON when ``path`` ends in .json."""
    if Path(path).suffix.lower() != ".json":
        return write_scores_csv(timestamps, frame_indices, scores, path, replace)
    data = {
        "time_s": np.asarray(timestamps, np.float64).tolist(),
        "frame_index": np.asarray(frame_indices, np.int64).tolist(),
        "score": np.asarray(scores, np.float64).tolist(),
    }
    return _atomic_write_text(path, json.dumps(data) + "\n", replace)


def read_scores_csv(path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of :func:`write_scores_csv`: (timestamps, frame_indices, scores)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return (
        np.array([float(r["time_s"]) for r in rows], np.float64),
        np.array([int(r["frame_index"]) for r in rows], np.int64),
        np.array([float(r["score"]) for r in rows], np.float32),
    )


SEGMENT_FIELDS = ("start_frame", "end_frame", "start_time", "end_time", "score", "selected")


def _segment_row(i: int, seg: Any) -> list:
    if isinstance(seg, dict):
        source: Optional[dict] = seg
    elif hasattr(seg, "start_time"):
        source = None  # a Segment: its attributes
    else:  # (start_time, end_time) pair
        source = {"start_time": seg[0], "end_time": seg[1]}

    def get(k: str, default: Any = None) -> Any:
        return getattr(seg, k, default) if source is None else source.get(k, default)

    start, end = float(get("start_time")), float(get("end_time"))
    score = get("score")
    selected = get("selected", True)
    sf, ef = get("start_frame"), get("end_frame")
    return [
        i,
        "" if sf is None else int(sf),
        "" if ef is None else int(ef),
        f"{start:.6f}",
        f"{end:.6f}",
        f"{end - start:.6f}",
        "" if score is None else f"{float(score):.6f}",
        int(bool(selected)),
        get("reason", "") or "",
        get("junk", "") or "",
    ]


def write_segments_csv(segments: Any, path, replace: bool = True) -> Path:
    """One row per segment (Segment objects, dicts or (start, end) pairs), atomically."""
    if hasattr(segments, "segments") and not isinstance(segments, (list, tuple)):
        segments = segments.segments
    header = (
        "index",
        "start_frame",
        "end_frame",
        "start_time",
        "end_time",
        "duration",
        "score",
        "selected",
        "reason",
        "junk",
    )
    rows = [_segment_row(i, seg) for i, seg in enumerate(segments)]
    return _atomic_write_text(path, _csv_text(header, rows), replace)


def read_segments_csv(path) -> list[dict]:
    """Inverse of :func:`write_segments_csv`: a list of dicts with typed values."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        out.append(
            {
                "start_frame": int(r["start_frame"]) if r["start_frame"] else None,
                "end_frame": int(r["end_frame"]) if r["end_frame"] else None,
                "start_time": float(r["start_time"]),
                "end_time": float(r["end_time"]),
                "score": float(r["score"]) if r["score"] else None,
                "selected": r["selected"] == "1",
                "reason": r.get("reason", ""),
                "junk": r.get("junk", ""),
            }
        )
    return out


# ---------------------------------------------------------------- video export


def export_mp4(
    src,
    segments: Any,
    out_path,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    crf: int = 20,
    preset: str = "superfast",
    replace: bool = True,
    chapters: bool = True,
) -> Path:
    """Write the selected time ranges of ``src`` to ``out_path``: H.264 + AAC, re-encoded,
    so every cut is frame-accurate.

    x264 ``preset`` "superfast" (measured on 2 cores, 720p30: 4.7x real time against
    2.0x for "veryfast", at the same crf; docs/benchmarks.md target 4).

    ``segments``: (start, end) pairs in seconds, Segment-like objects (only the
    ``selected`` ones) or a Summary. Pieces are joined back to back; every audio track of
    the source is kept (each cut sample-exact, in sync), and ``chapters`` marks where each
    piece starts ("Piece 3 - 1:23", the source time). The container follows the name:
    .mp4 / .m4v MP4, .mov QuickTime, .mkv Matroska; any other ending is a
    :class:`UsageError` before any work. Progress stage "export": done = seconds
    written, total = selected duration. The file appears under ``out_path`` only when
    complete and holding the video frames of every range; on any error or cancel nothing
    is left behind. ``replace=False``: a file that is at ``out_path`` when the export
    ends (even one that appeared meanwhile) is kept and :class:`OutputAppeared` raised.
    Errors say where they happened: reading ``src`` (:class:`InputVideoError`) or writing
    ``out_path`` (:class:`OutputError`).
    """
    out_path = Path(out_path)
    fmt = require_container(out_path)
    info, ranges, pieces = check_export(src, segments, out_path)
    exporter = _Exporter(src, info, ranges, progress, cancel, crf, preset)
    exporter.fmt, exporter.chapters = fmt, pieces if chapters else None
    return write_atomically(out_path, replace, exporter)


def check_export(src, segments: Any, out_path: Path):
    """The checks every video export makes before work: (source info, the ranges to
    cut (touching pieces joined), the kept pieces one by one)."""
    if _same_file(src, out_path):
        raise OutputError(
            f"Cannot write '{out_path.name}': it is the input video; choose another output name"
        )
    info = probe(src)
    duration = info.duration if info.duration > 0 else None
    ranges = selected_ranges(segments, duration)
    if not ranges:
        raise OutputError(f"Cannot write '{out_path.name}': no segment is selected")
    if not out_path.parent.is_dir():
        raise OutputError(
            f"Cannot write '{out_path.name}': the folder '{out_path.parent}' does not exist"
        )
    return info, ranges, piece_ranges(segments, duration)


def write_atomically(out_path: Path, replace: bool, writer) -> Path:
    """Run ``writer.run(tmp)`` into a hidden file beside ``out_path``, check it with
    ``writer.verify(tmp)`` and :func:`place` it; on any failure remove the temporary file
    and say in one line what went wrong (the shared frame of every video writer)."""
    tmp = _temp_beside(out_path, out_path.suffix)
    cancel = getattr(writer, "cancel", None)
    try:
        writer.run(tmp)
        check(cancel)
        writer.verify(tmp)
        place(tmp, out_path, replace)
    except TrimError:
        _remove_quietly(tmp)
        raise
    except (av.error.FFmpegError, OSError) as err:
        _remove_quietly(tmp)
        if isinstance(err, OSError) and getattr(err, "errno", None) is not None:
            raise _output_error(out_path, err) from None
        raise OutputError(f"Cannot write '{out_path.name}': {str(err).splitlines()[0]}") from None
    except BaseException:
        _remove_quietly(tmp)
        raise
    return out_path


def count_video_packets(path) -> int:
    """Video packets with data in a written file (what a muxer really kept)."""
    try:
        with av.open(str(path)) as c:
            stream = c.streams.video[0] if c.streams.video else None
            return 0 if stream is None else sum(1 for p in c.demux(stream) if p.size)
    except (av.error.FFmpegError, OSError, IndexError) as err:
        raise OutputError(
            f"Cannot write '{Path(path).name}': the written file does not "
            f"read back ({str(err).splitlines()[0]})"
        ) from None


def audio_tracks(container) -> list[int]:
    """Indexes (among the audio streams) of the tracks an export keeps: every one a
    decoder can read."""
    return [
        k
        for k, s in enumerate(container.streams.audio)
        if s.codec_context is not None and s.codec_context.sample_rate
    ]


def _input_error(src, why: str) -> InputVideoError:
    return InputVideoError(f"Cannot read '{Path(src).name}': {why}")


class _Exporter:
    """One export run: opens the inputs, cuts range by range, muxes the output.

    Video and each audio track are read through separate containers so each can seek to
    a range on its own; each side keeps a ``pending`` item (the first frame or audio
    chunk past the previous range) so nearby ranges continue without a seek.
    """

    fmt = "mp4"  # the output container (export_mp4 sets it from the file name)
    chapters: Optional[list] = None  # the kept pieces to mark (None: no chapters)
    # set by run(): the (frame, seconds) reader and the frame read ahead for the next range
    v_iter: Optional[Iterator[tuple[Any, float]]]
    v_pending: Optional[tuple[Any, float]]

    def __init__(self, src, info, ranges, progress, cancel, crf, preset):
        self.src, self.info, self.ranges = src, info, ranges
        self.progress, self.cancel = progress, cancel
        self.crf, self.preset = crf, preset
        self.total = sum(b - a for a, b in ranges)

    def run(self, tmp: Path) -> None:
        self.vin = open_input(self.src)
        self.tracks: list[AudioCutter] = []
        self.encoded = 0  # video frames given to the encoder
        self.v_forward = False  # True once a seek failed
        out = None
        try:
            out = av.open(str(tmp), "w", format=self.fmt, options=mux_options(self.fmt))
            self.out = out
            self._setup_video(self.vin)
            if self.info.has_audio:
                for k in audio_tracks(self.vin):
                    self.tracks.append(AudioCutter(self.src, k, out, self.vstart, self.cancel))
            if self.chapters:
                out.set_chapters(self._chapters())
            report(self.progress, "export", 0.0, self.total)
            offset = 0.0
            for a, b in self.ranges:
                before = self.encoded
                self._cut_video(a, b, offset)
                self._check_range(a, b, self.encoded - before)
                for track in self.tracks:
                    track.cut(a, b)
                offset += b - a
            self._flush()
        finally:
            if out is not None:
                out.close()
            self.vin.close()
            for track in self.tracks:
                track.close()
        report(self.progress, "export", self.total, self.total)

    def _chapters(self) -> list[Any]:
        spans, offset = [], 0.0
        for a, b in self.ranges:
            spans.append((a, b, a, offset))
            offset += b - a
        return piece_chapters(self.chapters or [], spans, offset)

    # -- checks: a summary never lacks the pictures it selected
    def _check_range(self, a: float, b: float, frames: int) -> None:
        """A range that should hold two frames or more got none, and decoding ended
        there: the source cannot be decoded there (seen with long-GOP MPEG-TS before the
        seek-back); fail, not write an audio-only stretch. (A sparse variable-rate
        stretch, a screen recording's still minute, has a frame after it: kept.)"""
        if frames == 0 and self.v_pending is None and (b - a) * (self.fps or 25.0) >= 2.0:
            raise _input_error(
                self.src, f"no video frame could be decoded between {a:.2f} s and {b:.2f} s"
            )

    def verify(self, tmp: Path) -> None:
        """Count the video packets in the finished file: they must be the frames encoded
        (a muxer that lost pictures must not give a summary with no picture)."""
        got = count_video_packets(tmp)
        if self.encoded == 0 or got != self.encoded:
            raise OutputError(
                f"Cannot write the summary: it holds {got} of the "
                f"{self.encoded} video frames selected"
            )

    def _setup_video(self, vin) -> None:
        self.vin = vin
        self.vs = video_stream(vin)
        enable_threads(self.vs)
        self.vstart = stream_start(self.vs)
        self.fps = self.info.fps
        cc = self.vs.codec_context
        self.width, self.height = cc.width // 2 * 2, cc.height // 2 * 2
        rate = Fraction(self.fps).limit_denominator(1001) if self.fps > 0 else 30
        vo = self.out.add_stream(
            "libx264", rate=rate, options={"crf": str(self.crf), "preset": self.preset}
        )
        vo.width, vo.height, vo.pix_fmt = self.width, self.height, "yuv420p"
        vo.time_base = vo.codec_context.time_base = OUT_TIME_BASE
        enable_threads(vo)
        if self.info.rotation:
            # Keep the source's display matrix: lossless, and players turn it upright.
            vo.set_display_rotation(-self.info.rotation)
        self.vout, self.last_pts = vo, -1
        self.v_iter, self.v_pending, self.v_done = None, None, False

    # -- video
    def _cut_video(self, a: float, b: float, offset: float) -> None:
        for frame, t in self._video_from(a):
            if t < a - 1e-6:
                continue
            if t >= b - 1e-6:
                self.v_pending = (frame, t)  # first frame of a later range, maybe
                return
            check(self.cancel)
            self._encode_video(frame, offset + (t - a))
            report(self.progress, "export", offset + (t - a), self.total)
        self.v_done = True

    def _video_from(self, a: float):
        """(frame, time) pairs starting at or before the first frame at/after ``a``."""
        if self.v_pending is not None and (a - self.v_pending[1] <= SEEK_GAP_S or self.v_forward):
            pending, self.v_pending = self.v_pending, None
            return chain(pending, self.v_iter)
        if self.v_done and self.v_pending is None:
            return iter(())
        self.v_pending = None
        return self._video_after_seek(a)

    def _video_after_seek(self, a: float):
        """Seek to the key frame before ``a``, backing off when the demuxer overshoots or
        lands where nothing decodes (mid-GOP in MPEG-TS: the decoder waits for a key
        frame that never comes), down to the very start."""
        back = 0.0
        while True:
            t0 = a - back
            self._seek_video(self.vstart + Fraction(t0) if t0 > 0 else None)
            frames = self.v_iter = self._timed(decode_frames(self.vin, self.vs))
            first = next(frames, None)
            if first is None and t0 <= 0:
                return
            if first is not None and (first[1] <= a + 1e-6 or t0 <= 0):
                yield first
                for item in frames:  # noqa: UP028 - not "yield from": closing us must not close it
                    yield item
                return
            back = max(1.0, back * 2)

    def _timed(self, frames):
        last = None
        for frame in frames:
            last = frame_seconds(frame, self.vstart, last, self.fps)
            yield frame, last

    def _encode_video(self, frame, out_t: float) -> None:
        self.encoded += 1
        pts = max(int(round(out_t / OUT_TIME_BASE)), self.last_pts + 1)
        self.last_pts = pts
        f = frame.reformat(width=self.width, height=self.height, format="yuv420p")
        f.pts, f.time_base = pts, OUT_TIME_BASE
        f.pict_type = av.video.frame.PictureType.NONE  # let x264 choose frame types
        for packet in self.vout.encode(f):
            self.out.mux(packet)

    def _seek_video(self, target: Optional[Fraction]) -> None:
        if not seek_before(self.vin, self.vs, target):
            self.v_forward = True  # later ranges read on instead of seeking
            self.vin.close()  # cannot seek (raw .h264): read again from the start
            self.vin = open_input(self.src)
            self.vs = video_stream(self.vin)
            enable_threads(self.vs)

    def _flush(self) -> None:
        for packet in self.vout.encode(None):
            self.out.mux(packet)
        for track in self.tracks:
            track.flush()
