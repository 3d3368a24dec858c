"""Sample-exact audio cuts for the frame-accurate export, one source track at a time.

Every audio track of the source gets an :class:`AudioCutter`: its own reader (so it seeks
on its own), a converter to float planes and an AAC encoder in the output. The kept
samples of each range are appended back to back; a track that ends early is padded with
silence, so every track stays as long as the video and in sync with it.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import Any, Optional

import av
import numpy as np

from .decode import decode_frames, enable_threads, open_input
from .progress import check

log = logging.getLogger(__name__)

SEEK_GAP_S = 3.0
"""Between ranges closer than this we keep decoding instead of seeking."""

AAC_RATES = (
    96000,
    88200,
    64000,
    48000,
    44100,
    32000,
    24000,
    22050,
    16000,
    12000,
    11025,
    8000,
    7350,
)

KEPT_TAGS = ("language", "title", "handler_name")
"""Stream tags carried over, so players still name each track ("English", "Commentary")."""


def seek_before(container, stream, target: Optional[Fraction]) -> bool:
    """Seek ``stream`` to the key frame at or before ``target`` seconds (None: start).

    False when the demuxer cannot seek (FFmpeg says EPERM for raw streams, and for
    targets before a negative start): the caller reopens the file instead. A failed
    seek is the input's trouble, never a reason to blame the output folder."""
    try:
        if target is None or not stream.time_base:
            container.seek(0)
        else:
            container.seek(
                int(target / stream.time_base), stream=stream, backward=True, any_frame=False
            )
    except (av.error.FFmpegError, OSError) as err:
        log.info("seek failed in %s (%s); reading from the start", container.name, err)
        return False
    return True


def output_layout(channels: int) -> str:
    """The AAC layout for a source with ``channels``: mono, stereo and 5.1 are kept,
    anything else is mixed down to stereo."""
    return {1: "mono", 2: "stereo", 6: "5.1"}.get(channels, "stereo")


def chain(first, rest):
    """Yield ``first``, then whatever ``rest`` still has.

    A plain loop rather than ``yield from``: when this generator is dropped its close()
    must not close ``rest``, which the next range goes on reading.
    """
    yield first
    for item in rest if rest is not None else ():  # noqa: UP028 - see above
        yield item


class AudioCutter:
    """One source audio track (``index`` among the audio streams) cut into ``out``."""

    def __init__(self, src, index: int, out, vstart: Fraction, cancel=None):
        self.src, self.index, self.out = src, index, out
        self.vstart, self.cancel = vstart, cancel
        self.ain = open_input(src)
        self.as_ = self.ain.streams.audio[index]
        enable_threads(self.as_)
        cc = self.as_.codec_context
        self.src_rate = cc.sample_rate or 48000
        out_rate = self.src_rate if self.src_rate in AAC_RATES else 48000
        self.layout = output_layout(cc.layout.nb_channels)
        ao = out.add_stream("aac", rate=out_rate)
        ao.layout = self.layout
        ao.time_base = ao.codec_context.time_base = Fraction(1, out_rate)
        for key in KEPT_TAGS:
            value = self.as_.metadata.get(key)
            if value:
                ao.metadata[key] = value
        self.aout = ao
        self.to_fltp = av.AudioResampler(format="fltp", layout=self.layout, rate=self.src_rate)
        self.written = 0  # samples written, at the source rate
        self.expected = 0  # samples the video ranges so far call for
        self.a_iter: Any = None
        self.pending: Optional[tuple[int, np.ndarray]] = None
        self.done, self.forward = False, False

    def close(self) -> None:
        self.ain.close()

    def cut(self, a: float, b: float) -> None:
        """Append the samples of [a, b) (video timeline) to the output, sample-exact."""
        sr = self.src_rate
        i0, i1 = int(round(a * sr)), int(round(b * sr))
        self.expected += i1 - i0
        for pos, data in self._from(a):
            n = data.shape[1]
            if pos + n <= i0:
                continue
            if pos < i1:
                check(self.cancel)
                self._encode(data[:, max(i0 - pos, 0) : min(i1 - pos, n)])
            if pos + n > i1:
                self.pending = (pos, data)  # its tail may belong to the next range
                break
        else:
            self.done = True
        if self.written < self.expected:  # audio ends early: pad with silence
            self._encode(np.zeros((self._channels(), self.expected - self.written), np.float32))

    def flush(self) -> None:
        for packet in self.aout.encode(None):
            self.out.mux(packet)

    def _from(self, a: float):
        if self.pending is not None and (
            a - self.pending[0] / self.src_rate <= SEEK_GAP_S or self.forward
        ):
            pending, self.pending = self.pending, None
            return chain(pending, self.a_iter)
        if self.done and self.pending is None:
            return iter(())
        self.pending = None
        t0 = a - 0.5  # audio frames are short; half a second before is plenty
        self._seek(self.vstart + Fraction(t0) if t0 > 0 else None)
        self.a_iter = self._chunks(decode_frames(self.ain, self.as_))
        return self.a_iter

    def _seek(self, target: Optional[Fraction]) -> None:
        if not seek_before(self.ain, self.as_, target):
            self.forward = True
            self.ain.close()
            self.ain = open_input(self.src)
            self.as_ = self.ain.streams.audio[self.index]
            enable_threads(self.as_)

    def _chunks(self, frames):
        """(first-sample index on the video timeline, float32 (channels, n)) per frame.

        Positions come from timestamps, snapped to the previous chunk's end when they
        are within 2 ms, so rounding never drops or repeats a sample.
        """
        sr = self.src_rate
        expected = None
        for frame in frames:
            if frame.pts is not None and frame.time_base is not None:
                pos = int(round((frame.pts * frame.time_base - self.vstart) * sr))
            else:
                pos = expected if expected is not None else 0
            if expected is not None and abs(pos - expected) <= max(2, sr // 500):
                pos = expected
            data = self._planar(frame)
            expected = pos + data.shape[1]
            yield pos, data

    def _planar(self, frame) -> np.ndarray:
        """Samples as float32 (channels, n) in the output layout, at the source rate."""
        frame.pts = None  # the converter only reformats; timing is tracked by us
        arrs = [f.to_ndarray() for f in self.to_fltp.resample(frame)]
        if not arrs:
            return np.zeros((self._channels(), 0), np.float32)
        return np.concatenate(arrs, axis=1).astype(np.float32, copy=False)

    def _channels(self) -> int:
        return av.AudioLayout(self.layout).nb_channels

    def _encode(self, data: np.ndarray) -> None:
        if data.shape[1] == 0:
            return
        af = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(data), format="fltp", layout=self.layout
        )
        af.sample_rate = self.src_rate
        af.pts, af.time_base = self.written, Fraction(1, self.src_rate)
        self.written += data.shape[1]
        for packet in self.aout.encode(af):
            self.out.mux(packet)
