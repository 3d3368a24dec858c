"""The timeline's piece strip: one block per piece under the curve (coloured when kept,
hatched grey when junk, grey when left out), the kept pieces shaded behind the curve,
a dashed line at every piece start, and the line that states the selection rule.

A mixin of :class:`timeline.Timeline` (kept apart so each timeline module has one job);
the plot items it fills (``strip``, ``sel_bars``, ``bounds``, ``rule_label``) are made
by the Timeline.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from . import theme

STRIP_LO, STRIP_HI = -0.24, -0.06
"""The strip's place in plot coordinates (below the curve's [0, 1])."""
SELECTED = QColor(46, 160, 110)  # summary pieces
SELECTED_FILL = QColor(46, 160, 110, 70)
UNSELECTED = QColor(120, 128, 140)
JUNK = QColor(128, 128, 128)  # hatched: dark, flat, still or blurred pieces
BOUNDARY = QColor(150, 155, 165, 150)

# What the selection does when the summary does not say (Summary.extra["rule"]).
DEFAULT_RULE = (
    "Kept: the pieces that fill the budget with the highest total score "
    "(the research protocol's knapsack)."
)


def _hatched() -> QBrush:
    return QBrush(JUNK, Qt.BrushStyle.BDiagPattern)


class PieceStrip:
    """The pieces of a Timeline: what they are, which are kept, how they are drawn."""

    duration: float
    shot_times: np.ndarray
    selected: np.ndarray
    reasons: list[str]
    junk: list[str]
    rule: str
    strip: Any
    sel_bars: Any
    bounds: Any
    rule_label: Any
    palette: Callable[[], Any]
    _refresh_readout: Callable[[], None]

    def set_shots(self, shot_times, selected=None, reasons=None, junk=None) -> None:
        """``shot_times`` (n, 2) start/end seconds; ``selected`` (n,) bools (None: none);
        ``reasons`` why each is kept or left, ``junk`` "" or what is wrong with it."""
        st = np.asarray(shot_times, dtype=np.float64).reshape(-1, 2)
        sel = np.zeros(len(st), bool) if selected is None else np.asarray(selected, bool)
        self.shot_times, self.selected = st, sel
        n = len(st)
        self.reasons = [str(r or "") for r in (reasons or [])][:n] + [""] * max(
            0, n - len(reasons or [])
        )
        self.junk = [str(j or "") for j in (junk or [])][:n] + [""] * max(0, n - len(junk or []))
        # Boundaries: a vertical dashed line at every piece start but the first.
        if n > 1:
            xb = np.repeat(st[1:, 0], 2)
            yb = np.tile([STRIP_HI, 1.0], n - 1)
            self.bounds.setData(xb, yb)
        else:
            self.bounds.setData([], [])
        self._update_selection()

    def set_summary(self, summary) -> None:
        """Pieces, selection, reasons, junk and the rule of a ``select.Summary``."""
        segs = list(summary.segments)
        self.set_shots(
            [(s.start_time, s.end_time) for s in segs],
            [bool(s.selected) for s in segs],
            [getattr(s, "reason", "") for s in segs],
            [getattr(s, "junk", "") for s in segs],
        )
        extra = getattr(summary, "extra", None) or {}
        self.set_rule(extra.get("rule", ""))

    def set_rule(self, rule: Optional[str]) -> None:
        """The summary's selection rule ("": it does not say, the knapsack's). None: no
        summary yet, so no rule is stated (not the knapsack's, which the app does not use)."""
        self.rule = str(rule or "")
        self.rule_label.setText("" if rule is None else "Selection: " + (self.rule or DEFAULT_RULE))

    def set_selected(self, selected) -> None:
        self.selected = np.asarray(selected, bool)
        self._update_selection()

    def _update_selection(self) -> None:
        st, sel = self.shot_times, self.selected
        if len(st) == 0:
            self.strip.setOpts(x0=[], x1=[], y0=[], y1=[], brushes=None)
            self.sel_bars.setOpts(x0=[], x1=[], y0=[], y1=[])
            self._refresh_readout()
            return
        dark = theme.is_dark(self.palette())
        left_out = UNSELECTED.lighter(150) if not dark else UNSELECTED.darker(130)
        brushes = []
        for i, s in enumerate(sel):
            if s:
                brushes.append(pg.mkBrush(SELECTED))
            elif i < len(self.junk) and self.junk[i]:
                brushes.append(_hatched())
            else:
                brushes.append(pg.mkBrush(left_out))
        self.strip.setOpts(
            x0=st[:, 0],
            x1=st[:, 1],
            y0=np.full(len(st), STRIP_LO),
            y1=np.full(len(st), STRIP_HI),
            brushes=brushes,
        )
        chosen = st[sel] if len(sel) == len(st) else np.zeros((0, 2))
        self.sel_bars.setOpts(
            x0=chosen[:, 0],
            x1=chosen[:, 1],
            y0=np.full(len(chosen), 0.0),
            y1=np.full(len(chosen), 1.0),
        )
        self._refresh_readout()

    def shot_at(self, t: float) -> Optional[int]:
        st = self.shot_times
        if len(st) == 0:
            return None
        hits = np.nonzero((st[:, 0] <= t) & (t < st[:, 1]))[0]
        if len(hits):
            return int(hits[0])
        if t >= st[-1, 1] - 1e-9 and t <= max(self.duration, st[-1, 1]):
            return len(st) - 1
        return None

    piece_at = shot_at
