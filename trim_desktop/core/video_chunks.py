"""Sampling a long video in parallel: one decoder per stretch between keyframes.

Why: libavcodec's frame threads wait on each other (each frame needs its references
decoded first), so they use the cores poorly: on the 2-core machine two frame threads
spent 17.5-23 CPU-s on the 10-min synthetic file where two single-threaded decoders,
each on its own half, spent 16.8 (wall 10.2-13.7 s -> 8.7-9.0 s). A stretch that starts
at a keyframe decodes on its own, so stretches ("chunks") decode side by side.

Exactness: the samples (index, time, pixels) are the ones :func:`video.iter_samples`
gives sequentially (tested on many files). Each chunk owns the frames whose timestamps
lie in [its keyframe, the next chunk's keyframe): it decodes past its end until the first
frame of the next chunk comes out, so frames shown before a keyframe but stored after it
(open GOPs) are its own, and drops frames before its start (they may be broken after a
seek). Indices are ranks of packet timestamps, counted per chunk and added up in order.
Where a chunk starts the sequential sampler has a state (the next sampling instant); a
chunk guesses it from its keyframe's time and the frame rate; when the guess turns out
wrong (variable frame rate), that chunk is decoded again with the right state. Any other
trouble (a worker error, a seek that lands elsewhere) finishes the video with the
sequential sampler, skipping what was already given.

Only for H.264/HEVC in mp4/mov files (an exact index to seek with); samples come out in
time order; besides the chunk being read, at most ``workers + 1`` are decoded or waiting
(twice as many with decoders of two kinds: :func:`chunks_ahead`).
"""
from __future__ import annotations

import logging
import os
import queue
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Iterator, List, Optional

from . import video
from .cpus import available_cpus
from .progress import Cancelled, CancelToken, check

log = logging.getLogger(__name__)

SAMPLES_PER_CHUNK = 120
"""A chunk's length in samples (60 s at 2 per second): long enough that opening a decoder
and seeking cost nothing, short enough that ``workers + 2`` chunks of images fit easily."""
MIN_CHUNK_SECONDS = 10.0
MAX_WORKERS = 8


def sampling_workers() -> int:
    """Parallel decoders for feature extraction: one per core, at most ``MAX_WORKERS``
    (``TRIM_DECODE_WORKERS`` overrides, for benchmarks). 1 = the sequential sampler."""
    forced = os.environ.get("TRIM_DECODE_WORKERS", "").strip()
    if forced.isdigit() and int(forced) > 0:
        return int(forced)
    return max(1, min(MAX_WORKERS, available_cpus()))


@dataclass(frozen=True)
class Chunk:
    """A stretch of the video: packets from the keyframe at ``start`` (stream time base;
    None = the file's start) up to the next chunk's ``start`` (``end``; None = the end)."""

    seek: Optional[int]     # timestamp handed to seek(); None for the first chunk
    start: Optional[int]
    end: Optional[int]
    state: int = 0          # guessed sampling state at ``start`` (see _guess_state)


@dataclass
class _Job:
    chunk: Chunk
    k: int                                  # sampling state it starts with
    samples: "queue.Queue" = field(default_factory=queue.Queue)
    stop: threading.Event = field(default_factory=threading.Event)
    future: object = None
    result: Optional["_Done"] = None


@dataclass
class _Done:
    k: int          # sampling state after the chunk
    count: int      # packets it owns (the index offset of the next chunk)


class CpuFrames:
    """The default frame source: libavcodec on the CPU with ``threads`` frame threads per
    decoder (:class:`.nvdec.NvdecFrames` is the GPU one)."""

    def __init__(self, threads: int = 1):
        self.threads = max(1, int(threads))

    @staticmethod
    def open(path):
        return video.open_input(path)

    def configure(self, stream) -> None:
        stream.thread_type = "AUTO"
        stream.thread_count = self.threads


class _ChunkFailed(Exception):
    """This chunk cannot be decoded on its own as planned: go on sequentially."""


def plan_chunks(path, rate: float, workers: int,
                chunk_seconds: Optional[float] = None) -> Optional[List[Chunk]]:
    """Chunks for ``workers`` parallel decoders, or None when the file should be read
    sequentially (one worker, not mp4/mov + H.264/HEVC, too short, too few keyframes)."""
    if workers < 2:
        return None
    container = video.open_input(path)
    try:
        vs = video.video_stream(container)
        fmt = set((getattr(container.format, "name", "") or "").split(","))
        if (vs.codec_context.name not in video.SKIPPABLE_CODECS or vs.time_base is None
                or not fmt & {"mov", "mp4"}):
            return None
        duration = video._duration(container, vs)
        if chunk_seconds is None:
            chunk_seconds = max(MIN_CHUNK_SECONDS,
                                min(SAMPLES_PER_CHUNK / rate, duration / (2 * workers)))
        if duration < 2 * chunk_seconds:
            return None
        origin = video.stream_start(vs)
        fps = video._fps(vs, duration)
        first = next((p.pts for p in container.demux(vs) if p.pts is not None), None)
        if first is None:
            return None
        starts: list = []
        for j in range(1, int(duration / chunk_seconds) + 1):
            target = int((origin + j * chunk_seconds) / vs.time_base)
            pts = _keyframe_at(container, vs, target)
            if pts is None:
                return None
            if pts > (starts[-1][1] if starts else first) and \
                    float(pts * vs.time_base - origin) < duration - chunk_seconds / 4:
                starts.append((target, pts))
        if not starts:
            return None
        chunks = [Chunk(None, None, starts[0][1])]
        for (target, pts), nxt in zip(starts, starts[1:] + [(None, None)]):
            seconds = float(pts * vs.time_base - origin)
            chunks.append(Chunk(target, pts, nxt[1], _guess_state(seconds, rate, fps)))
        return chunks
    except (OSError, ValueError, video.av.error.FFmpegError) as err:
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


def iter_chunked_samples(path, chunks: List[Chunk], rate: float, size=None,
                         cancel: Optional[CancelToken] = None, workers: int = 2,
                         threads: Optional[int] = None,
                         sources: Optional[list] = None) -> Iterator[video.SampledFrame]:
    """The samples of :func:`video.iter_samples`, decoded chunk by chunk side by side.

    ``sources``: one frame source per decoder thread (:class:`CpuFrames`,
    :class:`.nvdec.NvdecFrames`, or both kinds mixed); each chunk is decoded by whichever
    is free, earlier chunks first. Default: ``workers`` CPU decoders with ``threads``
    threads each (default: the cores shared out)."""
    workers = len(sources) if sources else workers
    threads = threads or max(1, available_cpus() // workers)
    sources = sources or [CpuFrames(threads)] * workers
    free: queue.Queue = queue.Queue()
    for src in sources:
        free.put(src)
    jobs: dict = {}
    pool = ThreadPoolExecutor(workers, thread_name_prefix="trim-chunk")

    def submit(j: int) -> None:
        job = _Job(chunks[j], chunks[j].state)
        job.future = pool.submit(_run_pooled, path, job, rate, size, cancel, free)
        jobs[j] = job

    k, base, last = 0, 0, None
    try:
        ahead = chunks_ahead(sources)
        for j in range(min(ahead, len(chunks))):
            submit(j)
        for j in range(len(chunks)):
            job = jobs.pop(j)
            if j + ahead < len(chunks):
                submit(j + ahead)
            try:
                if job.k != k:  # the guessed state was wrong: decode this chunk again
                    job.stop.set()
                    log.info("chunk %d starts at sampling state %d, not %d: decoding it "
                             "again", j, k, job.k)
                    job = _Job(job.chunk, k)
                    _run_job(path, job, rate, size, cancel, CpuFrames(threads))
                for s in _drain(job, cancel):
                    last = s.time
                    yield video.SampledFrame(index=base + s.index, time=s.time, image=s.image)
                done = job.future.result() if job.future is not None else job.result
            except (Cancelled, GeneratorExit):
                raise
            except Exception as err:  # noqa: BLE001 - any trouble: finish sequentially
                log.warning("parallel decode stopped at chunk %d (%s); going on sequentially",
                            j, err)
                yield from _sequential_after(path, rate, size, cancel, last)
                return
            k, base = done.k, base + done.count
    finally:
        for job in jobs.values():
            job.stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


def chunks_ahead(sources: list) -> int:
    """Chunks decoded or waiting besides the one being read: one per decoder and one
    more; twice that when the decoders are of different kinds ("mix"), so the faster
    kind can run on while a slower decoder holds the next chunk to read. Measured with
    simulated decoders (benchmarks/mix_schedule_sim.py): eight decoders three times
    slower beside eight fast ones took 0.60 s with one chunk each ahead, 0.30 s with
    two, and the eight fast ones alone 0.40 s."""
    workers = len(sources)
    return workers + 1 if len({type(s) for s in sources}) == 1 else 2 * workers + 1


def _drain(job: _Job, cancel) -> Iterator[video.SampledFrame]:
    """Samples of ``job`` as its worker makes them, until the worker is done."""
    while True:
        try:
            item = job.samples.get(timeout=0.1)
        except queue.Empty:
            check(cancel)
            continue
        if item is None:
            return
        check(cancel)   # (the consumer may have cancelled at the last yield)
        yield item


def _run_pooled(path, job: _Job, rate, size, cancel, free: "queue.Queue") -> _Done:
    """Decode one chunk with a frame source borrowed from ``free`` (one per pool thread,
    so there always is one), given back afterwards."""
    source = free.get()
    try:
        return _run_job(path, job, rate, size, cancel, source)
    finally:
        free.put(source)


def _run_job(path, job: _Job, rate, size, cancel, source) -> _Done:
    """Decode one chunk into ``job.samples`` (then a None); the result or the error is
    the future's (or ``job.result`` when run in the caller's thread)."""
    try:
        job.result = _sample_chunk(path, job, rate, size, cancel, source)
        return job.result
    finally:
        job.samples.put(None)


def _sample_chunk(path, job: _Job, rate, size, cancel, source) -> _Done:
    chunk = job.chunk
    container = source.open(path)
    frames = None
    try:
        vs = video.video_stream(container)
        source.configure(vs)
        if chunk.seek is not None:
            container.seek(chunk.seek, stream=vs, backward=True, any_frame=False)
        plan = video._SamplingPlan(container, vs, rate, floor=chunk.start, ceiling=chunk.end)
        if not plan.ranked:
            raise _ChunkFailed("no packet timestamps to rank frames by")
        origin = video.stream_start(vs)
        k, last, rotation, first = job.k, None, None, True
        frames = video.decode_planned(container, vs, plan)
        for count, (index, frame) in enumerate(frames):
            if job.stop.is_set():
                break
            if count % 32 == 0:
                check(cancel)
            if index < 0:
                if chunk.end is not None and frame.pts is not None and frame.pts >= chunk.end:
                    break           # the next chunk's first frame: ours are all out
                continue            # a frame shown before our keyframe: the last chunk's
            if first and chunk.start is not None and frame.pts != chunk.start:
                raise _ChunkFailed(f"seek landed at {frame.pts}, not {chunk.start}")
            first = False
            if frame.pts is None or not plan.skipping:
                raise _ChunkFailed("frame timestamps do not match the packets")
            t = video.frame_seconds(frame, origin, last, 0.0)
            last = t
            if not video.is_sampled(t, k, rate):
                continue
            if rotation is None:
                rotation = video.display_rotation(frame)
            job.samples.put(video.SampledFrame(index, t, video.to_rgb(frame, rotation, size)))
            k = video.next_instant(t, rate)
        if first and not job.stop.is_set():
            raise _ChunkFailed("no frame decoded")
        return _Done(k=k, count=plan.count_below(chunk.end) if chunk.end is not None else 0)
    finally:
        if frames is not None:
            frames.close()   # (before the container it reads from)
        container.close()


def _guess_state(seconds: float, rate: float, fps: float) -> int:
    """The sampling state where a chunk starts (keyframe at ``seconds``), as the
    sequential sampler has it when the frame before came one frame interval earlier:
    exact at a constant frame rate; checked, and the chunk redone, when wrong."""
    return video.next_instant(seconds - 1.0 / fps, rate)


def _sequential_after(path, rate, size, cancel, last: Optional[float]):
    """The sequential sampler's samples after ``last`` (seconds; None = all)."""
    for s in video.iter_samples(path, rate=rate, size=size, cancel=cancel):
        if last is None or s.time > last:
            yield s


__all__ = ["Chunk", "CpuFrames", "plan_chunks", "iter_chunked_samples", "sampling_workers"]
