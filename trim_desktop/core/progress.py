"""The progress callback and cancel token that every long-running stage takes.

Every stage function has the shape ``f(..., progress=None, cancel=None)``. It calls
``report(progress, stage, done, total)`` now and then and ``check(cancel)`` between
batches or steps. The CLI turns reports into a progress bar, the GUI into Qt signals,
tests pass nothing at all.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

STAGES = ("decode", "features", "stage1", "stage2", "kts", "select", "export")
"""Stage names in pipeline order; ``decode`` and ``features`` run together."""


class Cancelled(Exception):
    """Raised inside a stage when its cancel token was set. Not an error for the user."""


class CancelToken:
    """A thread-safe flag: the GUI or a signal handler sets it, workers poll it."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


@dataclass
class Progress:
    """One report: ``done`` of ``total`` units of ``stage``; ``payload`` carries extras.

    ``payload`` is stage-specific, e.g. the current per-sample scores (numpy array)
    during training so a live plot can redraw, or a short text message.
    """

    stage: str
    done: float
    total: float
    payload: Any = None
    message: str = ""
    time: float = field(default_factory=time.monotonic)

    @property
    def fraction(self) -> float:
        return 0.0 if self.total <= 0 else max(0.0, min(1.0, self.done / self.total))


ProgressFn = Callable[[Progress], None]


def report(progress: Optional[ProgressFn], stage: str, done: float, total: float,
           payload: Any = None, message: str = "") -> None:
    """Send one report if anybody listens."""
    if progress is not None:
        progress(Progress(stage, done, total, payload, message))


def check(cancel: Optional[CancelToken]) -> None:
    """Raise :class:`Cancelled` if ``cancel`` was set; a ``None`` token never cancels."""
    if cancel is not None:
        cancel.raise_if_cancelled()


class EtaEstimator:
    """Remaining-time estimate for one stage from the rate seen so far."""

    def __init__(self) -> None:
        self._start: dict[str, float] = {}

    def eta(self, p: Progress) -> Optional[float]:
        start = self._start.setdefault(p.stage, p.time)
        elapsed = p.time - start
        frac = p.fraction
        if frac <= 0.02 or elapsed < 0.5:
            return None
        return elapsed * (1.0 - frac) / frac
