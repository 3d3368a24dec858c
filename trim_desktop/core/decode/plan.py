"""The sampling rule and the plan that decodes only what it can sample.

A frame at ``t`` seconds takes sampling instant ``k / rate`` (the first one not yet
taken) when it is at or after it (:func:`is_sampled`); :class:`SamplingPlan` knows from
packet timestamps, before decoding, which frames cannot take an instant, and lets the
decoder drop those (:func:`decode_planned`).
"""

from __future__ import annotations

import bisect
import logging
import math
from collections import deque
from typing import Optional

from .stream import container_formats, decode_packet, packets, report_errors, stream_start

log = logging.getLogger(__name__)

EPS = 1e-6
"""Tolerance (seconds) when comparing a frame time with a sampling instant."""

SKIPPABLE_CODECS = frozenset({"h264", "hevc"})
"""Decoders that honour ``skip_frame = NONREF`` (drop a frame no other frame refers to)."""
TIMESTAMPED_FORMATS = frozenset({"mov", "mp4", "matroska", "webm", "mpegts"})
"""Containers whose packets carry presentation timestamps (AVI, raw streams: no)."""

LOOKAHEAD = 48
"""Packets demuxed ahead of the decoder: more than any H.264/HEVC reordering depth (16),
so a packet's presentation-order neighbours are known when it is fed."""
_PTS_WINDOW = 512
"""Recent packet timestamps kept (sorted) to find neighbours and presentation ranks."""


def is_sampled(t: float, k: int, rate: float) -> bool:
    """The sampling rule: a frame at ``t`` seconds takes instant ``k / rate`` (the first
    one not yet taken) when it is at or after it, 1 microsecond of float noise allowed."""
    return t + EPS >= k / rate


def next_instant(t: float, rate: float) -> int:
    """The first instant not yet taken after a sample at ``t`` seconds."""
    return int(math.floor(t * rate + EPS)) + 1


class SamplingPlan:
    """Which packets may hold a sampled frame, and each frame's presentation index.

    Decoding only what is sampled: a frame is sampled when a sampling instant k/rate
    falls in (previous frame, this frame], and both times are packet timestamps, known
    before decoding. A packet that cannot be sampled is fed with ``skip_frame = NONREF``:
    the decoder still decodes it when another frame refers to it and drops it otherwise
    (x264 files: 15-18 % of frames, ~10-15 % of the decode time). Sampled frames are
    bit-identical (tested); neighbours not yet demuxed only widen the interval, so a
    sampled frame is never skipped.

    Only for H.264/HEVC in containers with presentation timestamps; there the index of a
    frame is the rank of its timestamp among the packets (= the count of frames before
    it in well-formed files). Elsewhere nothing is skipped and frames are counted.
    A decoded frame whose timestamp no packet had stops the skipping for the rest.

    ``floor`` / ``ceiling`` (stream time base): one chunk of a parallel decode owns the
    timestamps in [floor, ceiling); frames outside are neither wanted nor ranked.
    """

    _NOISE = 1e-9  # seconds: float rounding, far below any frame spacing

    def __init__(
        self,
        container,
        stream,
        rate: float,
        floor: Optional[int] = None,
        ceiling: Optional[int] = None,
    ):
        self.rate = rate
        self.floor, self.ceiling = floor, ceiling
        self.beyond = 0  # packets seen at or after the ceiling
        self.tb = stream.time_base
        self.start = stream_start(stream)
        self.window: list = []  # sorted pts of recent packets
        self.dropped = 0  # pts that left the window (all earlier than those kept)
        self.last_index = -1
        self.ranked = (
            stream.codec_context.name in SKIPPABLE_CODECS
            and self.tb is not None
            and bool(container_formats(container) & TIMESTAMPED_FORMATS)
        )
        self.skipping = self.ranked

    def seen(self, packet) -> None:
        """Record a demuxed packet's timestamp (call in demux order, ahead of decoding)."""
        if not self.ranked or packet.is_discard:  # (before an edit list's start: never shown)
            return
        if packet.pts is None:
            if packet.size:  # (the empty packet at the end only flushes)
                self.skipping = False  # no timestamp: cannot plan around this one
            return
        if self.floor is not None and packet.pts < self.floor:
            return  # (a leading picture of the previous chunk)
        if self.ceiling is not None and packet.pts >= self.ceiling:
            self.beyond += 1
        bisect.insort(self.window, packet.pts)
        if len(self.window) > _PTS_WINDOW:
            self.window.pop(0)
            self.dropped += 1

    def outside(self, pts) -> bool:
        """True for a timestamp another chunk owns (never with a whole-file plan)."""
        return pts is not None and (
            (self.floor is not None and pts < self.floor)
            or (self.ceiling is not None and pts >= self.ceiling)
        )

    def past_ceiling(self, pts) -> bool:
        """True for a timestamp of the next chunk: this chunk's frames are all out."""
        return self.ceiling is not None and pts is not None and pts >= self.ceiling

    def finished(self) -> bool:
        """A chunk has demuxed so far past its ceiling that no frame of its own can come
        (a safety stop: the sampler normally stops at its first frame past the ceiling)."""
        return self.ceiling is not None and self.beyond > LOOKAHEAD + 32

    def count_below(self, pts: int) -> int:
        """Packets seen (and owned) with a timestamp below ``pts``."""
        return self.dropped + bisect.bisect_left(self.window, pts)

    def may_sample(self, packet) -> bool:
        """False only when no sampling instant can fall on this packet's frame."""
        if self.outside(packet.pts):
            return False
        if not self.skipping or packet.pts is None:
            return True
        i = bisect.bisect_left(self.window, packet.pts)
        if i == 0:
            return True
        t = float(packet.pts * self.tb - self.start)
        before = float(self.window[i - 1] * self.tb - self.start)
        # is_sampled gives instant k to the first frame with time + EPS >= k / rate, so
        # this frame can only take instants in (before + EPS / rate, t + EPS] (the
        # lower end is the sampler's when ``before`` was sampled); widened by float noise.
        low = before + min(EPS, EPS / self.rate) - self._NOISE
        first = math.floor(low * self.rate) + 1
        return first <= (t + EPS + self._NOISE) * self.rate

    def index(self, frame) -> int:
        """Presentation index of a decoded frame (strictly increasing); -1 for a frame
        another chunk owns."""
        if self.outside(frame.pts):
            return -1
        rank = self.last_index + 1
        if self.ranked and frame.pts is not None:
            i = bisect.bisect_left(self.window, frame.pts)
            if i < len(self.window) and self.window[i] == frame.pts:
                rank = self.dropped + i
            elif self.skipping:
                self.skipping = False
                log.info("frame time %s matches no packet: decoding every frame", frame.pts)
        self.last_index = max(rank, self.last_index + 1)
        return self.last_index


def decode_planned(container, stream, plan: SamplingPlan, stats: Optional[dict] = None):
    """Yield ``(index, frame)`` in presentation order, skipping unsampled non-reference
    frames when ``plan`` allows (see :class:`SamplingPlan`); corrupt packets are
    skipped and counted in ``stats["errors"]``."""
    stats = stats if stats is not None else {}
    stats.setdefault("errors", 0)
    stats.setdefault("skippable", 0)
    ctx = stream.codec_context
    ahead: deque = deque()
    for packet in packets(container, stream, stats):
        plan.seen(packet)
        if plan.finished():
            return
        ahead.append(packet)
        if len(ahead) > LOOKAHEAD:
            yield from _decode_as_planned(container, ctx, plan, ahead.popleft(), stats)
    while ahead:
        yield from _decode_as_planned(container, ctx, plan, ahead.popleft(), stats)
    report_errors(container, stats)


def _decode_as_planned(container, ctx, plan: SamplingPlan, packet, stats: dict):
    wanted = plan.may_sample(packet)
    stats["skippable"] += not wanted
    mode = "DEFAULT" if wanted else "NONREF"
    if ctx.skip_frame != mode:  # (also back to DEFAULT when planning stops)
        ctx.skip_frame = mode
    for frame in decode_packet(container, packet, stats):
        yield plan.index(frame), frame
