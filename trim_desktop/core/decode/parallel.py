"""Sampling a long video in parallel: one decoder per stretch between keyframes.

Why: libavcodec's frame threads wait on each other (each frame needs its references
decoded first), so they use the cores poorly: on the 2-core machine two frame threads
spent 17.5-23 CPU-s on the 10-min synthetic file where two single-threaded decoders,
each on its own half, spent 16.8 (wall 10.2-13.7 s -> 8.7-9.0 s). A stretch that starts
at a keyframe decodes on its own, so stretches ("chunks") decode side by side.

Exactness: the samples (index, time, pixels) are the sequential sampler's (tested on
many files). Each chunk owns the frames whose timestamps lie in [its keyframe, the next
chunk's keyframe): it decodes past its end until the first frame of the next chunk comes
out, so frames shown before a keyframe but stored after it (open GOPs) are its own, and
drops frames before its start (they may be broken after a seek). Indices are ranks of
packet timestamps, counted per chunk and added up in order. Where a chunk starts the
sequential sampler has a state (the next sampling instant); a chunk guesses it from its
keyframe's time and the frame rate; when the guess turns out wrong (variable frame
rate), that chunk is decoded again with the right state. Any other trouble (a worker
error, a seek that lands elsewhere) finishes the video with the sequential sampler,
skipping what was already given.

Only for H.264/HEVC in mp4/mov files (an exact index to seek with); samples come out in
time order; besides the chunk being read, at most ``workers + 1`` are decoded or waiting.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator, Optional

import av

from ..cpus import available_cpus
from ..progress import Cancelled, CancelToken, check
from .info import stream_duration, stream_fps
from .plan import SKIPPABLE_CODECS, SamplingPlan, next_instant
from .sampler import LoopState, SampledFrame, sampled_frames, sequential_samples
from .sources import CpuFrames, FrameSource
from .stream import container_formats, open_input, stream_start, to_rgb, video_stream

log = logging.getLogger(__name__)

SAMPLES_PER_CHUNK = 120
"""A chunk's length in samples (60 s at 2 per second): long enough that opening a decoder
and seeking cost nothing, short enough that ``workers + 2`` chunks of images fit easily."""
MIN_CHUNK_SECONDS = 10.0
POLL_S = 0.05
"""How often a waiting reader checks for cancelling."""


@dataclass(frozen=True)
class Chunk:
    """A stretch of the video: packets from the keyframe at ``start`` (stream time base;
    None = the file's start) up to the next chunk's ``start`` (``end``; None = the end)."""

    seek: Optional[int]  # timestamp handed to seek(); None for the first chunk
    start: Optional[int]
    end: Optional[int]
    state: int = 0  # guessed sampling state at ``start`` (see _guess_state)


@dataclass
class _Done:
    k: int  # sampling state after the chunk
    count: int  # packets it owns (the index offset of the next chunk)


@dataclass
class _Job:
    """One decode of a chunk, filling ``samples`` (then a None) from a pool thread."""

    chunk: Chunk
    k: int  # sampling state it starts with
    samples: queue.Queue = field(default_factory=queue.Queue)
    stop: threading.Event = field(default_factory=threading.Event)
    result: Optional[_Done] = None
    error: Optional[Exception] = None

    def drain(self, cancel) -> Iterator[SampledFrame]:
        """The chunk's samples as they come; raises the decode's error if it failed."""
        while True:
            try:
                item = self.samples.get(timeout=POLL_S)
            except queue.Empty:
                check(cancel)
                continue
            if item is None:
                if self.result is None:
                    raise self.error or _ChunkFailed("the chunk's decode ended early")
                return
            check(cancel)  # (the consumer may have cancelled at the last yield)
            yield item


class _ChunkFailed(Exception):
    """This chunk cannot be decoded on its own as planned: go on sequentially."""


def plan_chunks(
    path, rate: float, workers: int, chunk_seconds: Optional[float] = None
) -> Optional[list[Chunk]]:
    """Chunks for ``workers`` parallel decoders, or None when the file should be read
    sequentially (one worker, not mp4/mov + H.264/HEVC, too short, too few keyframes)."""
    if workers < 2:
        return None
    container = open_input(path)
    try:
        vs = video_stream(container)
        if (
            vs.codec_context.name not in SKIPPABLE_CODECS
            or vs.time_base is None
            or not container_formats(container) & {"mov", "mp4"}
        ):
            return None
        duration = stream_duration(container, vs)
        if chunk_seconds is None:
            chunk_seconds = max(
                MIN_CHUNK_SECONDS, min(SAMPLES_PER_CHUNK / rate, duration / (2 * workers))
            )
        if duration < 2 * chunk_seconds:
            return None
        origin = stream_start(vs)
        fps = stream_fps(vs, duration)
        first = next((p.pts for p in container.demux(vs) if p.pts is not None), None)
        if first is None:
            return None
        starts: list = []
        for j in range(1, int(duration / chunk_seconds) + 1):
            target = int((origin + j * chunk_seconds) / vs.time_base)
            pts = _keyframe_at(container, vs, target)
            if pts is None:
                return None
            if (
                pts > (starts[-1][1] if starts else first)
                and float(pts * vs.time_base - origin) < duration - chunk_seconds / 4
            ):
                starts.append((target, pts))
        if not starts:
            return None
        chunks = [Chunk(None, None, starts[0][1])]
        for (target, pts), nxt in zip(starts, starts[1:] + [(None, None)]):
            seconds = float(pts * vs.time_base - origin)
            chunks.append(Chunk(target, pts, nxt[1], _guess_state(seconds, rate, fps)))
        return chunks
    except (OSError, ValueError, av.error.FFmpegError) as err:
        log.info("no parallel decode for %s: %s", path, err)
        return None
    finally:
        container.close()


def _keyframe_at(container, vs, target: int) -> Optional[int]:
    """Timestamp of the keyframe a backward seek to ``target`` lands on (None: not a
    keyframe with a timestamp, so chunks cannot start there)."""
    container.seek(target, stream=vs, backward=True, any_frame=False)
    for packet in container.demux(vs):
        if packet.pts is None or packet.is_discard:
            return None
        return packet.pts if packet.is_keyframe else None
    return None


def chunked_samples(
    path,
    chunks: list[Chunk],
    rate: float,
    size=None,
    cancel: Optional[CancelToken] = None,
    workers: int = 2,
    source: Optional[FrameSource] = None,
) -> Iterator[SampledFrame]:
    """The sequential sampler's samples, decoded chunk by chunk by ``workers`` decoders
    side by side, each opening its chunk with ``source`` (default: :class:`CpuFrames`
    with the cores shared out); earlier chunks first."""
    threads = max(1, available_cpus() // workers)
    source = source or CpuFrames(threads)
    jobs: dict = {}  # chunk number -> _Job, for chunks being decoded or waiting
    pool = ThreadPoolExecutor(workers, thread_name_prefix="trim-chunk")

    def submit(j: int) -> None:
        jobs[j] = _Job(chunks[j], chunks[j].state)
        pool.submit(_run_job, path, jobs[j], rate, size, cancel, source)

    k, base, last = 0, 0, None
    ahead = workers + 1
    try:
        for j in range(min(ahead, len(chunks))):
            submit(j)
        for j in range(len(chunks)):
            if j + ahead < len(chunks):
                submit(j + ahead)
            job = jobs[j]
            try:
                if job.k != k:  # the guessed state was wrong: decode it again
                    job.stop.set()
                    log.info(
                        "chunk %d starts at sampling state %d, not %d: decoding it again",
                        j,
                        k,
                        job.k,
                    )
                    job = jobs[j] = _Job(job.chunk, k)
                    _run_job(path, job, rate, size, cancel, CpuFrames(threads))
                for s in job.drain(cancel):
                    last = s.time
                    yield SampledFrame(index=base + s.index, time=s.time, image=s.image)
            except (Cancelled, GeneratorExit):
                raise
            except Exception as err:  # noqa: BLE001 - any trouble: finish sequentially
                log.warning(
                    "parallel decode stopped at chunk %d (%s); going on sequentially", j, err
                )
                yield from _sequential_after(path, rate, size, cancel, last)
                return
            del jobs[j]
            k, base = job.result.k, base + job.result.count
    finally:
        for job in jobs.values():
            job.stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


def _run_job(path, job: _Job, rate, size, cancel, source: FrameSource) -> None:
    """Decode one chunk into ``job.samples``, then a None; the outcome is kept in
    ``job.result`` or ``job.error`` for the reader."""
    try:
        job.result = _sample_chunk(path, job, rate, size, cancel, source)
    except Exception as err:  # noqa: BLE001 - the reader decides what it means
        job.error = err
    finally:
        job.samples.put(None)


def _sample_chunk(path, job: _Job, rate, size, cancel, source: FrameSource) -> _Done:
    chunk = job.chunk
    container = source.open(path)
    try:
        vs = video_stream(container)
        source.configure(vs)
        if chunk.seek is not None:
            container.seek(chunk.seek, stream=vs, backward=True, any_frame=False)
        plan = SamplingPlan(container, vs, rate, floor=chunk.start, ceiling=chunk.end)
        if not plan.ranked:
            raise _ChunkFailed("no packet timestamps to rank frames by")
        state = LoopState(k=job.k)

        def exact(frame) -> None:
            """Stop when this chunk's frames cannot be the sequential sampler's."""
            if not state.frames and chunk.start is not None and frame.pts != chunk.start:
                raise _ChunkFailed(f"seek landed at {frame.pts}, not {chunk.start}")
            if frame.pts is None or not plan.skipping:
                raise _ChunkFailed("frame timestamps do not match the packets")

        for index, t, frame, rotation in sampled_frames(
            container, vs, plan, state, cancel, exact, job.stop.is_set
        ):
            job.samples.put(SampledFrame(index, t, to_rgb(frame, rotation, size)))
        if not state.frames and not job.stop.is_set():
            raise _ChunkFailed("no frame decoded")
        return _Done(k=state.k, count=plan.count_below(chunk.end) if chunk.end is not None else 0)
    finally:
        container.close()


def _guess_state(seconds: float, rate: float, fps: float) -> int:
    """The sampling state where a chunk starts (keyframe at ``seconds``), as the
    sequential sampler has it when the frame before came one frame interval earlier:
    exact at a constant frame rate; checked, and the chunk redone, when wrong."""
    return next_instant(seconds - 1.0 / fps, rate)


def _sequential_after(path, rate, size, cancel, last: Optional[float]):
    """The sequential sampler's samples after ``last`` (seconds; None = all)."""
    for s in sequential_samples(path, rate, size, cancel):
        if last is None or s.time > last:
            yield s
