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
