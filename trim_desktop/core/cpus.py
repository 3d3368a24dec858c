"""How many cores this process may use: one answer for the decoder and the network.

Kept apart from ``device`` (which imports torch) so that ``video`` stays light.
"""

from __future__ import annotations

import os


def available_cpus() -> int:
    """Cores this process may use (affinity-aware on Linux)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def busy_elsewhere(window_s: float = 0.05) -> float:
    """Cores kept busy by other processes right now (Linux /proc/stat; 0.0 elsewhere).

    Sampled over ``window_s``; this process's own CPU time in that window (e.g. ONNX
    Runtime's threads still spinning after the features) is taken off.
    """
    import time

    def sample():
        with open("/proc/stat", encoding="ascii") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        idle = v[3] + (v[4] if len(v) > 4 else 0)
        return sum(v[:8]), idle

    def own() -> float:
        t = os.times()
        return t.user + t.system

    try:
        t0, i0 = sample()
        c0, w0 = own(), time.monotonic()
        time.sleep(window_s)
        t1, i1 = sample()
        c1, w1 = own(), time.monotonic()
    except (OSError, ValueError, IndexError):
        return 0.0
    if t1 <= t0 or w1 <= w0:
        return 0.0
    busy = (1.0 - (i1 - i0) / (t1 - t0)) * (os.cpu_count() or 1)
    return max(0.0, busy - (c1 - c0) / (w1 - w0))


def training_threads() -> int:
    """Torch threads for training the scorer: the cores nobody else is using (at least 1).

    OpenMP threads that share a core with another busy process spin at every barrier: a
    slider move on a 10-min video took 4.2 s quiet and 16.3 s beside one CPU-bound process
    with 2 threads, 6.9 s with 1 (2-core machine, docs/benchmarks.md).
    """
    return max(1, available_cpus() - int(round(busy_elsewhere())))
