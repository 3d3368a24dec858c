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

Decoders of two kinds (NVDEC beside the CPU's): one kind may be much slower, and a slow
decoder holding the chunk to read next holds up everything after it. So while the
reader waits, an idle decoder of the other kind that has done whole chunks in less time
than the slow one has already spent starts a second copy of that chunk; the reader takes
each sample from whichever copy has it first, and stops the other (:class:`_Copies`).
A decoder whose chunk a second copy finished first takes no more chunks of the video.
Simulated with sleeps (benchmarks/mix_schedule_sim.py): four decoders ten times slower
beside four fast ones took 2.0 s without this and 0.88 s with it (the fast ones alone
0.83 s); at three times slower, 0.63 and 0.62 s (ideal 0.60).
"""
from __future__ import annotations

import logging
import os
import queue
import statistics
import threading
import time
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
POLL_S = 0.05
"""How often a waiting reader checks for cancelling and for idle decoders."""


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
    """One decode of a chunk (a chunk may have two: :class:`_Copies`)."""
    chunk: Chunk
    k: int                                  # sampling state it starts with
    samples: "queue.Queue"                  # (copy, sample), then (copy, None); shared by copies
    copy: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    source: object = None                   # its decoder, once it has one
    started: float = 0.0                    # when it got it (time.perf_counter)
    result: Optional["_Done"] = None
    error: Optional[Exception] = None
    outdone: bool = False                   # a second copy ended first: its decoder is too slow

    @property
    def ended(self) -> bool:
        return self.result is not None or self.error is not None

    @property
    def complete(self) -> bool:
        return self.result is not None and not self.stop.is_set()


@dataclass
class _Done:
    k: int          # sampling state after the chunk
    count: int      # packets it owns (the index offset of the next chunk)


@dataclass
class _Copies:
    """The decodes of one chunk: the first, and maybe a second on an idle decoder of
    another kind (see the module's docstring). Both give the same samples in the same
    order, so the reader takes each one from whichever copy has it first."""
    jobs: List[_Job]
    done: Optional[_Done] = None

    def drain(self, cancel, on_wait) -> Iterator[video.SampledFrame]:
        """The chunk's samples as the copies make them, until one copy is complete (then
        ``done`` is its result); ``on_wait()`` runs whenever no sample came for a while.
        Raises the error of the last copy to fail when all of them failed."""
        samples = self.jobs[0].samples
        taken, got, failed = 0, {}, 0
        while True:
            try:
                copy, item = samples.get(timeout=POLL_S)
            except queue.Empty:
                check(cancel)
                on_wait()
                continue
            if item is None:
                job = self.jobs[copy]
                if job.result is not None:   # all its samples came before this
                    self.done = job.result
                    self.jobs[0].outdone = copy > 0
                    return
                failed += 1
                if failed == len(self.jobs):
                    raise job.error or _ChunkFailed("the chunk's decode ended early")
                continue
            check(cancel)   # (the consumer may have cancelled at the last yield)
            got[copy] = got.get(copy, 0) + 1
            if got[copy] > taken:
                taken += 1
                yield item

    def stop(self) -> None:
        for job in self.jobs:
            job.stop.set()


class _Decoders:
    """The frame sources not in use, and how long each kind took for a whole chunk."""

    def __init__(self, sources: list):
        self._free = list(sources)
        self._seconds: dict = {}
        self._cond = threading.Condition()

    def take(self):
        """The decoder idle longest (waits for one)."""
        with self._cond:
            while not self._free:
                self._cond.wait()
            return self._free.pop(0)

    def take_quicker(self, kind: type, elapsed: float):
        """An idle decoder not of ``kind`` whose kind decodes a whole chunk in less than
        ``elapsed`` seconds (median so far), or None."""
        with self._cond:
            for i, source in enumerate(self._free):
                seconds = self._seconds.get(type(source))
                if type(source) is not kind and seconds and \
                        statistics.median(seconds) < elapsed:
                    return self._free.pop(i)
        return None

    def retire(self, source) -> None:
        """``source`` decodes no more chunks of this video (a quicker decoder finished its
        last chunk first; the slow one would hold up every chunk it takes)."""
        log.info("a %s decoder is left out for the rest of this video: a decoder of "
                 "another kind finished its chunk first", type(source).__name__)

    def give(self, source, seconds: Optional[float] = None) -> None:
        """``source`` is idle again; ``seconds``: what its whole chunk took, if it did one."""
        with self._cond:
            if seconds is not None:
                self._seconds.setdefault(type(source), []).append(seconds)
            self._free.append(source)
            self._cond.notify()


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
    decoders = _Decoders(sources)
    mixed = _two_kinds(sources)
    jobs: dict = {}        # chunk number -> _Copies, for chunks being decoded or waiting
    copy_threads: list = []   # threads running second copies
    pool = ThreadPoolExecutor(workers, thread_name_prefix="trim-chunk")

    def submit(j: int) -> None:
        job = _Job(chunks[j], chunks[j].state, queue.Queue())
        pool.submit(_run_pooled, path, job, rate, size, cancel, decoders)
        jobs[j] = _Copies([job])

    def second_copies() -> None:
        """Idle decoders of a quicker kind take over slow chunks, earliest first."""
        if not mixed:
            return
        for j, copies in jobs.items():
            first = copies.jobs[0]
            if len(copies.jobs) > 1 or first.source is None or first.ended:
                continue
            source = decoders.take_quicker(type(first.source),
                                           time.perf_counter() - first.started)
            if source is None:
                continue
            log.info("chunk %d: a second copy on an idle %s decoder", j, type(source).__name__)
            second = _Job(first.chunk, first.k, first.samples, copy=1)
            copies.jobs.append(second)
            thread = threading.Thread(target=_run_lent, name="trim-chunk-copy", daemon=True,
                                      args=(path, second, rate, size, cancel, decoders, source))
            thread.start()
            copy_threads.append(thread)

    k, base, last = 0, 0, None
    try:
        ahead = chunks_ahead(sources)
        for j in range(min(ahead, len(chunks))):
            submit(j)
        for j in range(len(chunks)):
            if j + ahead < len(chunks):
                submit(j + ahead)
            copies = jobs[j]
            try:
                if copies.jobs[0].k != k:  # the guessed state was wrong: decode it again
                    copies.stop()
                    log.info("chunk %d starts at sampling state %d, not %d: decoding it "
                             "again", j, k, copies.jobs[0].k)
                    again = _Job(copies.jobs[0].chunk, k, queue.Queue())
                    _run_job(path, again, rate, size, cancel, CpuFrames(threads))
                    copies = jobs[j] = _Copies([again])
                for s in copies.drain(cancel, second_copies):
                    last = s.time
                    yield video.SampledFrame(index=base + s.index, time=s.time, image=s.image)
            except (Cancelled, GeneratorExit):
                raise
            except Exception as err:  # noqa: BLE001 - any trouble: finish sequentially
                log.warning("parallel decode stopped at chunk %d (%s); going on sequentially",
                            j, err)
                yield from _sequential_after(path, rate, size, cancel, last)
                return
            copies.stop()   # (a slower copy, if any)
            del jobs[j]
            k, base = copies.done.k, base + copies.done.count
    finally:
        for copies in jobs.values():
            copies.stop()
        pool.shutdown(wait=True, cancel_futures=True)
        for thread in copy_threads:
            thread.join()


def chunks_ahead(sources: list) -> int:
    """Chunks decoded or waiting besides the one being read: one per decoder and one
    more; twice that when the decoders are of different kinds ("mix"), so the faster
    kind can run on while a slower decoder holds the next chunk to read. Measured with
    simulated decoders (benchmarks/mix_schedule_sim.py): eight decoders three times
    slower beside eight fast ones took 0.60 s with one chunk each ahead, 0.30 s with
    two, and the eight fast ones alone 0.40 s."""
    workers = len(sources)
    return 2 * workers + 1 if _two_kinds(sources) else workers + 1


def _two_kinds(sources: list) -> bool:
    """Decoders of more than one kind (class): "mix", NVDEC beside the CPU's."""
    return len({type(s) for s in sources}) > 1


def _run_pooled(path, job: _Job, rate, size, cancel, decoders: _Decoders) -> None:
    """Decode one chunk with the decoder idle longest (one per pool thread, so there is
    one soon)."""
    _run_lent(path, job, rate, size, cancel, decoders, decoders.take())


def _run_lent(path, job: _Job, rate, size, cancel, decoders: _Decoders, source) -> None:
    """Decode one chunk with ``source``, then give it back with the time a whole chunk
    took (the quicker kind's times decide on second copies)."""
    job.started = time.perf_counter()
    try:
        _run_job(path, job, rate, size, cancel, source)
    finally:
        if job.outdone:
            decoders.retire(source)
        else:
            decoders.give(source, time.perf_counter() - job.started if job.complete else None)


def _run_job(path, job: _Job, rate, size, cancel, source) -> None:
    """Decode one chunk into ``job.samples``, then a None; the outcome is kept in
    ``job.result`` or ``job.error``, for the reader (another copy may still finish)."""
    job.source = source
    try:
        job.result = _sample_chunk(path, job, rate, size, cancel, source)
    except Exception as err:  # noqa: BLE001 - the reader decides what it means
        job.error = err
    finally:
        job.samples.put((job.copy, None))


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
            job.samples.put((job.copy, video.SampledFrame(
                index, t, video.to_rgb(frame, rotation, size))))
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
