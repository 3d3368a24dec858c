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


def report(
    progress: Optional[ProgressFn],
    stage: str,
    done: float,
    total: float,
    payload: Any = None,
    message: str = "",
) -> None:
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


# Measured shares of a full run (10-min 720p, 2 CPU cores, docs/benchmarks.md: features
# 19.1 s, stage 1 1.9 s, stage 2 3.8 s, KTS + selection 0.12 s). A job's stages are
# weighed by these so one estimate covers the whole job, not the stage now running.
STAGE_SHARE = {
    "decode": 0.76,
    "features": 0.76,
    "kts": 0.01,
    "stage1": 0.075,
    "stage2": 0.15,
    "select": 0.005,
    "export": 1.0,
}
JOB_STAGES = {
    "summarize": ("features", "kts", "stage1", "stage2", "select"),
    "rescore": ("stage1", "stage2", "select"),
    "select": ("select",),
    "export": ("export",),
}
INSTANT_S = 0.5
"""A stage over sooner than this was cached or skipped: its share leaves the estimate."""


class JobEta:
    """Remaining time of a whole job (summarize, rescore, export), not of one stage.

    The job's stages (:data:`JOB_STAGES`) carry their measured shares; the fraction done
    is the shares behind plus the running stage's share times its own fraction, and the
    estimate extrapolates the time since the first stage that did real work. It does not
    restart at each stage, and cached (instant) stages do not make it optimistic.
    """

    def __init__(self, job: str = "summarize", min_elapsed: float = 1.5) -> None:
        self.stages = list(JOB_STAGES.get(job, ()))
        self.min_elapsed = min_elapsed
        self._first: dict[str, float] = {}
        self._last: dict[str, float] = {}
        self._current: Optional[str] = None
        self._skipped: set[str] = set()

    def _key(self, stage: str) -> str:
        return "features" if stage == "decode" else stage

    def fraction(self, p: Progress) -> Optional[float]:
        """The share of the whole job done at report ``p`` (None: stage not in the job)."""
        stage = self._key(p.stage)
        if stage not in self.stages:
            return None
        if stage != self._current:
            i = self.stages.index(stage)
            for earlier in self.stages[:i]:  # left behind: instant ones were skipped
                t0, t1 = self._first.get(earlier), self._last.get(earlier)
                if t0 is None or t1 is None or t1 - t0 < INSTANT_S:
                    self._skipped.add(earlier)
            self._current = stage
        self._first.setdefault(stage, p.time)
        self._last[stage] = p.time
        live = [s for s in self.stages if s not in self._skipped]
        total = sum(STAGE_SHARE.get(s, 0.1) for s in live) or 1.0
        i = self.stages.index(stage)
        done = sum(STAGE_SHARE.get(s, 0.1) for s in self.stages[:i] if s not in self._skipped)
        done += STAGE_SHARE.get(stage, 0.1) * p.fraction
        return max(0.0, min(1.0, done / total))

    def eta(self, p: Progress) -> Optional[float]:
        frac = self.fraction(p)
        if frac is None:
            return None
        starts = [
            self._first[s] for s in self.stages if s in self._first and s not in self._skipped
        ]
        elapsed = p.time - min(starts) if starts else 0.0
        if frac <= 0.02 or elapsed < self.min_elapsed:
            return None
        return elapsed * (1.0 - frac) / frac
