"""The sampling loop (written once: the sequential sampler and every parallel chunk run
it) and the sequential sampler itself.

The loop yields the first frame at or after each k/rate seconds (k = 0, 1, 2, ...) of
presentation time, so variable-frame-rate video samples evenly; when one frame covers
several instants (a long VFR frame) it is yielded once, for the first. Only sampled
frames are converted to RGB.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import numpy as np

from ..progress import CancelToken, check
from .info import stream_fps
from .plan import SamplingPlan, decode_planned, is_sampled, next_instant
from .stream import (
    display_rotation,
    enable_threads,
    frame_seconds,
    open_input,
    stream_start,
    to_rgb,
    unreadable,
    video_stream,
)


@dataclass(frozen=True)
class SampledFrame:
    """One sampled frame: its index among the shown frames (presentation order), seconds
    from the start, upright RGB image."""

    index: int
    time: float
    image: np.ndarray


@dataclass
class LoopState:
    """Where a sampling loop stands: the next instant's number and the frames it owned."""

    k: int = 0
    frames: int = 0


def sampled_frames(
    container,
    stream,
    plan: SamplingPlan,
    state: LoopState,
    cancel: Optional[CancelToken] = None,
    on_frame: Optional[Callable] = None,
    stop: Optional[Callable[[], bool]] = None,
):
    """Yield ``(index, time, frame, rotation)`` for each sampled frame of one decode.

    Frames ``plan`` says another chunk owns are passed over, and the first one past its
    ceiling ends the loop. ``on_frame(frame)`` sees every owned frame before the rule
    (it may raise); ``stop()`` true ends the loop quietly; ``state`` keeps the sampling
    state (starting from ``state.k``) for whoever continues after this decode.
    """
    start = stream_start(stream)
    fps = stream_fps(stream)
    rate = plan.rate
    last = None
    rotation = None
    frames = decode_planned(container, stream, plan)
    try:
        for count, (index, frame) in enumerate(frames, 1):
            if stop is not None and stop():
                return
            if count % 32 == 0:
                check(cancel)
            if index < 0:
                if plan.past_ceiling(frame.pts):
                    return  # the next chunk's first frame: ours are all out
                continue  # a frame shown before our keyframe: the last chunk's
            if on_frame is not None:
                on_frame(frame)
            state.frames += 1
            t = frame_seconds(frame, start, last, fps)
            last = t
            if not is_sampled(t, state.k, rate):
                continue
            if rotation is None:
                rotation = display_rotation(frame)
            check(cancel)
            yield index, t, frame, rotation
            state.k = next_instant(t, rate)
    finally:
        frames.close()  # (before the container it reads from)


def sequential_samples(
    path,
    rate: float,
    size: Optional[tuple] = None,
    cancel: Optional[CancelToken] = None,
    convert_workers: int = 0,
) -> Iterator[SampledFrame]:
    """The samples of ``path`` from one decoder with libavcodec's frame threads.

    ``convert_workers`` > 1 converts (and resizes) the sampled frames in that many
    threads while decoding goes on (GPU runs, where the conversion would otherwise run in
    turn with the decoder); order is kept.
    """
    container = open_input(path)
    try:
        vs = video_stream(container)
        enable_threads(vs)
        state = LoopState()
        plan = SamplingPlan(container, vs, float(rate))
        with closing(sampled_frames(container, vs, plan, state, cancel)) as frames:
            if convert_workers > 1:
                yield from _converted_in_threads(frames, size, cancel, convert_workers)
            else:
                for index, t, frame, rotation in frames:
                    yield SampledFrame(index=index, time=t, image=to_rgb(frame, rotation, size))
        if not state.frames:
            raise unreadable(path, "no decodable video frame (corrupt or truncated file)")
    finally:
        container.close()


def _converted_in_threads(frames, size, cancel, workers: int) -> Iterator[SampledFrame]:
    """``frames`` converted to RGB in ``workers`` threads, at most twice that many
    waiting, handed on in order."""
    depth = 2 * workers
    pending: deque = deque()  # (index, time, future), oldest first
    with ThreadPoolExecutor(workers, thread_name_prefix="trim-convert") as pool:
        try:
            for index, t, frame, rotation in frames:
                pending.append((index, t, pool.submit(to_rgb, frame, rotation, size)))
                while len(pending) > depth or (pending and pending[0][2].done()):
                    check(cancel)  # the consumer may have cancelled at the last yield
                    i, ti, fut = pending.popleft()
                    yield SampledFrame(index=i, time=ti, image=fut.result())
            while pending:
                check(cancel)
                i, ti, fut = pending.popleft()
                yield SampledFrame(index=i, time=ti, image=fut.result())
        finally:
            for _, _, fut in pending:
                fut.cancel()
