"""A text progress bar per stage, with ETA, for the command-line tools (stderr)."""

from __future__ import annotations

import sys
import time
from typing import Optional, TextIO

from ..core.progress import EtaEstimator, Progress

STAGE_LABELS = {
    "download": "Downloading weights",
    "decode": "Decoding",
    "features": "Decode + features",
    "stage1": "Stage 1 (pre-training)",
    "stage2": "Stage 2 (fine-tuning)",
    "kts": "Shot boundaries (KTS)",
    "select": "Selecting shots",
    "export": "Exporting MP4",
}


def format_seconds(s: Optional[float]) -> str:
    if s is None:
        return "--:--"
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m:02d}:{sec:02d}"


class ProgressBar:
    """Draws one line per stage; redraws in place on a terminal, prints milestones otherwise."""

    def __init__(self, stream: Optional[TextIO] = None, width: int = 30, quiet: bool = False):
        self.stream = stream if stream is not None else sys.stderr  # looked up now: tests swap it
        self.width = width
        self.quiet = quiet
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.eta = EtaEstimator()
        self.stage: Optional[str] = None
        self._last_draw = 0.0
        self._last_quarter = -1

    def __call__(self, p: Progress) -> None:
        if self.quiet:
            return
        if p.stage != self.stage:
            self._finish_line()
            self.stage = p.stage
            self._last_quarter = -1
        now = time.monotonic()
        final = p.done >= p.total
        if self.tty:
            if final or now - self._last_draw > 0.1:
                self._draw(p, "\r")
                self._last_draw = now
        else:
            quarter = int(p.fraction * 4)
            if quarter != self._last_quarter:
                self._last_quarter = quarter
                self._draw(p, "")
                self.stream.write("\n")
        self.stream.flush()

    def _draw(self, p: Progress, prefix: str) -> None:
        filled = int(self.width * p.fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        label = STAGE_LABELS.get(p.stage, p.stage)
        eta = format_seconds(self.eta.eta(p))
        self.stream.write(f"{prefix}{label:<24} [{bar}] {p.fraction * 100:5.1f}%  ETA {eta}")

    def _finish_line(self) -> None:
        if self.tty and self.stage is not None:
            self.stream.write("\n")

    def close(self) -> None:
        if not self.quiet:
            self._finish_line()
            self.stage = None
