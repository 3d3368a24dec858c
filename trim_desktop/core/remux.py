"""The fast export: the kept pieces copied packet by packet, nothing re-encoded.

A compressed video can only start at a keyframe, so each cut snaps to the keyframe at or
before its start: a piece can start up to one GOP (the keyframe interval, often 1-10 s)
early. Its end can run a frame or two past the cut (those decoded together with the
last kept ones: B-frame reordering), never with a gap. The picture keeps the source's quality, and the export
runs at the speed of the disk. Every audio track is copied alongside (packets of about
20 ms from the keyframe's time to the piece's end), and the timestamps of each piece are
moved so the pieces play one after another.

Two passes: the plan reads a few packets around each cut (where the piece starts and
ends, so the chapters are known before the file's header is written), then the copy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Optional

import av

from .audio_cut import seek_before
from .containers import mux_options, piece_chapters, require_container
from .decode import open_input, probe, stream_start, video_stream
from .errors import InputVideoError, OutputError
from .export import check_export, count_video_packets, write_atomically
from .progress import CancelToken, ProgressFn, check, report

log = logging.getLogger(__name__)

AUDIO_LEAD_S = 1.0
"""The copy starts reading this much before a piece's keyframe: audio packets are not
always stored before the video packets of the same moment."""


@dataclass(frozen=True)
class Piece:
    """One kept range as the copy will cut it (seconds on the video's timeline)."""

    asked: tuple[float, float]  # the range the summary keeps
    key_pts: int  # the keyframe it starts at (video time base)
    end_pts: int  # the copy takes the frames shown before this
    start: Fraction  # that keyframe's time
    end: Fraction  # end_pts's time: where its last copied frame ends


def export_fast(
    src,
    segments: Any,
    out_path,
    progress: Optional[ProgressFn] = None,
    cancel: Optional[CancelToken] = None,
    replace: bool = True,
    chapters: bool = True,
) -> Path:
    """Copy the selected ranges of ``src`` to ``out_path`` without re-encoding.

    Each cut snaps to the keyframe at or before its start, so pieces can start up to a
    GOP early (see the module's text); a summary is longer than the frame-accurate one
    by at most one GOP per piece. Same contract as :func:`export.export_mp4`: the
    container follows the name (other endings: :class:`UsageError`), every audio track
    is kept, chapters mark the pieces, the file appears only when complete, and
    ``replace=False`` never replaces a file. A source codec the container cannot hold
    (PCM sound in .mp4, say) is an :class:`OutputError` that names a container that can.
    """
    out_path = Path(out_path)
    fmt = require_container(out_path)
    info, ranges, pieces = check_export(src, segments, out_path)
    remuxer = _Remuxer(src, info, ranges, fmt, progress, cancel)
    remuxer.chapters, remuxer.name = pieces if chapters else None, out_path.name
    return write_atomically(out_path, replace, remuxer)


def plan_pieces(src, ranges) -> list[Piece]:
    """Where each range really starts and ends once cut at keyframes (reads packets
    around the cuts only, decodes nothing)."""
    planner = _Remuxer(src, probe(src), ranges, "mp4", None, None)
    with open_input(src) as inp:
        planner._open(inp)
        return planner._plan()


class _Remuxer:
    """One fast export: plan the pieces, write the header with their chapters, copy."""

    chapters: Optional[list] = None  # the kept pieces to mark (None: no chapters)
    name = "the summary"

    def __init__(self, src, info, ranges, fmt, progress, cancel):
        self.src, self.info, self.ranges, self.fmt = src, info, ranges, fmt
        self.progress, self.cancel = progress, cancel
        self.copied = 0  # video packets muxed
        self.done = 0.0  # seconds of output written (progress)

    # -- input
    def _open(self, inp) -> None:
        self.inp = inp
        self.vs = video_stream(inp)
        self.vstart = stream_start(self.vs)
        self.tb = self.vs.time_base
        if not self.tb:
            raise self._no_timestamps()
        self.audio = [s for s in inp.streams.audio if s.time_base]

    def _no_timestamps(self) -> InputVideoError:
        return InputVideoError(
            f"Cannot read '{Path(self.src).name}' for a fast export: its "
            "video has no timestamps to cut by; use the accurate export"
        )

    def _seek(self, t: float) -> None:
        """To the keyframe at or before ``t`` seconds; a file that cannot seek is read
        again from its start."""
        target = self.vstart + Fraction(t) if t > 0 else None
        if not seek_before(self.inp, self.vs, target):
            self.inp.close()
            self._open(open_input(self.src))

    def _seconds(self, ts: int, tb) -> Fraction:
        return ts * tb - self.vstart

    # -- pass 1: the plan
    def _plan(self) -> list[Piece]:
        pieces = []
        for a, b in self.ranges:
            key_pts, start = self._keyframe_before(a)
            end_pts = self._end_of(key_pts, start, b)
            pieces.append(Piece((a, b), key_pts, end_pts, start, self._seconds(end_pts, self.tb)))
        return pieces

    def _keyframe_before(self, a: float) -> tuple[int, Fraction]:
        """The keyframe at or before ``a`` (backing off when the demuxer lands after it)."""
        back = 0.0
        while True:
            t0 = a - back
            self._seek(t0)
            key = None
            for p in self.inp.demux(self.vs):
                if p.pts is None:
                    if p.size:
                        raise self._no_timestamps()
                    continue
                t = self._seconds(p.pts, self.tb)
                if p.is_keyframe and t <= a + 1e-6:
                    key = (p.pts, t)
                if _dts(p) * self.tb - self.vstart > a + 1e-6:
                    break
            if key is not None or t0 <= 0:
                if key is None:
                    raise InputVideoError(
                        f"Cannot read '{Path(self.src).name}' for a fast "
                        f"export: no keyframe before {a:.2f} s"
                    )
                return key
            back = max(1.0, back * 2)

    def _end_of(self, key_pts: int, start: Fraction, b: float) -> int:
        """Where the piece that starts at ``key_pts`` ends (video time base).

        Every frame shown before ``b`` is decoded by the last such packet in decode
        order, and so are its references; the piece ends after the latest frame decoded
        up to there. The copy takes every frame shown before that end: the frames shown
        before ``b`` and the few (B-frame reordering) that share their references, so
        the piece plays without a gap and no frame lacks a reference."""
        end = running = key_pts + 1
        self._seek(float(start))
        started = False
        for p in self.inp.demux(self.vs):
            if p.pts is None:
                continue
            started = started or (p.is_keyframe and p.pts == key_pts)
            if not started:
                continue
            if _dts(p) * self.tb - self.vstart >= b - 1e-6:
                break  # it and all after it are shown at or after b
            if p.pts >= key_pts:
                running = max(running, p.pts + _duration(p, self.info.fps, self.tb))
                if self._seconds(p.pts, self.tb) < b - 1e-6:
                    end = running
        return end

    # -- pass 2: the copy
    def run(self, tmp: Path) -> None:
        out = None
        self._open(open_input(self.src))
        try:
            self.pieces = self._plan()
            self.total = float(sum(p.end - p.start for p in self.pieces))
            out = av.open(str(tmp), "w", format=self.fmt, options=mux_options(self.fmt))
            self._streams(out)
            report(self.progress, "export", 0.0, self.total)
            offset = Fraction(0)
            for piece in self.pieces:
                self._copy(out, piece, offset)
                offset += piece.end - piece.start
        finally:
            if out is not None:
                out.close()
            self.inp.close()
        report(self.progress, "export", self.total, self.total)

    def _streams(self, out) -> None:
        self.map = {self.vs.index: out.add_stream_from_template(self.vs)}
        if self.info.rotation:
            self.map[self.vs.index].set_display_rotation(-self.info.rotation)
        for s in self.audio:
            self.map[s.index] = out.add_stream_from_template(s)
            for key in ("language", "title", "handler_name"):
                if s.metadata.get(key):
                    self.map[s.index].metadata[key] = s.metadata[key]
        if self.chapters:
            spans = [
                (p.asked[0], p.asked[1], float(p.start), float(o))
                for o, p in zip(self._offsets(), self.pieces)
            ]
            out.set_chapters(piece_chapters(self.chapters, spans, self.total))
        try:
            out.start_encoding()
        except (av.error.FFmpegError, ValueError):
            codecs = ", ".join(
                sorted(
                    {
                        s.codec_context.name
                        for s in [self.vs, *self.audio]
                        if s.codec_context is not None
                    }
                )
            )
            raise OutputError(
                f"Cannot write '{self.name}' fast: the source's {codecs} cannot be copied "
                f"into {Path(self.name).suffix or 'this container'}; use .mkv, or the "
                "accurate export"
            ) from None
        self.last_dts: dict[int, int] = {}

    def _offsets(self) -> list[Fraction]:
        offsets, o = [], Fraction(0)
        for p in self.pieces:
            offsets.append(o)
            o += p.end - p.start
        return offsets

    def _copy(self, out, piece: Piece, offset: Fraction) -> None:
        """Mux the piece's packets, moved by ``offset - piece.start``: the video frames
        shown from its keyframe to its end, the audio of the same stretch."""
        self._seek(float(piece.start) - AUDIO_LEAD_S)
        shift = offset - piece.start  # seconds added to every timestamp
        started, video_done = False, False
        audio_left = {s.index for s in self.audio}
        for p in self.inp.demux([self.vs, *self.audio]):
            if p.pts is None or p.stream.index not in self.map:
                continue
            check(self.cancel)
            tb = p.stream.time_base
            if p.stream.index == self.vs.index:
                if video_done:
                    continue
                started = started or (p.is_keyframe and p.pts == piece.key_pts)
                if _dts(p) >= piece.end_pts and started:
                    video_done = True
                    if not audio_left:
                        break
                    continue
                if not started or not piece.key_pts <= p.pts < piece.end_pts:
                    continue
                self.done = max(self.done, float(offset + self._seconds(p.pts, tb) - piece.start))
                report(self.progress, "export", self.done, self.total)
                self.copied += 1
            else:
                t = self._seconds(p.pts, tb)
                if t >= piece.end:
                    audio_left.discard(p.stream.index)
                    if video_done and not audio_left:
                        break
                    continue
                if t < piece.start - Fraction(1, 1000):
                    continue
            self._mux(out, p, shift)

    def _mux(self, out, p, shift: Fraction) -> None:
        """Move ``p`` by ``shift`` seconds, keeping decode times rising (a muxer refuses
        a packet that goes back in time)."""
        tb = p.stream.time_base
        move = round(shift / tb)
        index = p.stream.index
        dts = None if p.dts is None else p.dts + move
        if dts is not None:
            last = self.last_dts.get(index)
            if last is not None and dts <= last:
                dts = last + 1
            self.last_dts[index] = dts
        pts = p.pts + move
        if dts is not None and pts < dts:
            pts = dts
        p.stream = self.map[index]
        p.pts, p.dts = pts, dts
        out.mux(p)

    def verify(self, tmp: Path) -> None:
        got = count_video_packets(tmp)
        if self.copied == 0 or got != self.copied:
            raise OutputError(
                f"Cannot write the summary: it holds {got} of the {self.copied} video frames copied"
            )


def _dts(p) -> int:
    return p.dts if p.dts is not None else p.pts


def _duration(p, fps: float, tb) -> int:
    """A packet's duration in its time base (one frame at ``fps`` when it says none)."""
    if p.duration:
        return p.duration
    return max(
        1,
        round(
            Fraction(1) / (Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(25)) / tb
        ),
    )
