"""The timeline's hover readout: where the pointer is, a one-line readout (time,
importance, the piece and why it is kept or left out), a line under the pointer and a
thumbnail of the piece beside it (made off the GUI thread by :mod:`thumbs`).

A mixin of :class:`timeline.Timeline` (kept apart so each timeline module has one job).
The readout is fixed-size (widgets.ElidedLabel), so hovering never reflows the window.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
from PySide6.QtCore import QPoint, QPointF
from PySide6.QtGui import QPixmap

from .player import fmt_time

JUNK_WORDS = {
    "dark": "too dark",
    "flat": "a single colour",
    "static": "a still slate",
    "blurred": "too blurred",
}


class HoverReadout:
    """What a Timeline shows of the place under the pointer."""

    duration: float
    timestamps: np.ndarray
    scores: np.ndarray
    relative: np.ndarray
    shot_times: np.ndarray
    selected: np.ndarray
    reasons: list[str]
    junk: list[str]
    source: Optional[str]
    _hover_t: Optional[float]
    _thumb_key: Optional[tuple[str, float]]
    _thumb_at: Optional[QPoint]
    vb: Any
    plot: Any
    readout: Any
    hover_line: Any
    thumb: Any
    thumbs: Any
    hovered: Any
    shot_at: Callable[[float], Optional[int]]

    def score_at(self, t: float) -> Optional[float]:
        if len(self.timestamps) == 0:
            return None
        i = int(np.searchsorted(self.timestamps, t, side="right")) - 1
        i = min(max(i, 0), len(self.scores) - 1)
        return float(self.scores[i])

    def why(self, i: int) -> str:
        """Why piece ``i`` is in or out, true after the user's own toggles too."""
        sel = bool(i < len(self.selected) and self.selected[i])
        reason = self.reasons[i] if i < len(self.reasons) else ""
        junk = self.junk[i] if i < len(self.junk) else ""
        kept_by_rule = reason.lower().startswith("kept") if reason else None
        if kept_by_rule is not None and kept_by_rule != sel:
            return "added by you" if sel else "dropped by you"
        if reason:
            return reason
        if junk:
            return f"{'kept' if sel else 'left out'}: {JUNK_WORDS.get(junk, junk)}"
        return "in summary" if sel else "left out"

    def _on_move(self, pos: QPointF) -> None:
        if not self.vb.sceneBoundingRect().contains(pos) or self.duration <= 0:
            self.hover_at(None)
            return
        t = float(self.vb.mapSceneToView(pos).x())
        if t < 0 or t > self.duration:
            self.hover_at(None)
            return
        self.hover_at(t, self.plot.mapFromScene(pos))

    def hover_at(self, t: Optional[float], at: Optional[QPoint] = None) -> None:
        """The pointer is over time ``t`` (None: it left): line, readout, thumbnail."""
        self._hover_t = t
        if t is None:
            self.hover_line.hide()
            self.thumb.hide()
            self._thumb_key = None
            self.readout.setText("")  # the pointer left: no readout of a place not shown
            return
        self.hover_line.setValue(t)
        self.hover_line.show()
        self._refresh_readout()
        self.hovered.emit(self.readout.full_text())
        self._show_thumb(t, at)

    def _refresh_readout(self) -> None:
        """Rewrite the hover readout from the current data (after a toggle or a retrain
        too, so it never shows a state that is gone)."""
        if self._hover_t is not None:
            self.readout.setText(self.describe(self._hover_t))

    def _show_thumb(self, t: float, at: Optional[QPoint]) -> None:
        i = self.shot_at(t)
        if i is None or not self.source:
            self.thumb.hide()
            self._thumb_key = None
            return
        a, b = self.shot_times[i]
        mid = (a + b) / 2
        self._thumb_key = (self.source, round(float(mid), 1))
        self._thumb_at = at
        img = self.thumbs.get(self.source, mid)
        if img is None:
            self.thumb.hide()
            return
        self._place_thumb(img)

    def _on_thumb(self, key, img) -> None:
        if key == self._thumb_key and self._hover_t is not None:
            self._place_thumb(img)

    def _place_thumb(self, img) -> None:
        self.thumb.setPixmap(QPixmap.fromImage(img))
        self.thumb.adjustSize()
        at = self._thumb_at or QPoint(self.plot.width() // 2, self.plot.height() // 2)
        w = self.thumb.width()
        # beside the pointer (never under it), at the top: the piece strip stays visible
        x = at.x() + 18 if at.x() + 18 + w <= self.plot.width() else at.x() - 18 - w
        self.thumb.move(int(max(0, x)), 2)
        self.thumb.show()
        self.thumb.raise_()

    def describe(self, t: float) -> str:
        """The readout at ``t``: time, the piece and why it is in or out, importance (in
        that order: what does not fit is cut from the end, the numbers first)."""
        parts = [fmt_time(t, tenths=True)]
        i = self.shot_at(t)
        if i is not None:
            state = "in summary" if i < len(self.selected) and self.selected[i] else "left out"
            why = self.why(i)
            parts.append(f"piece {i + 1} ({state})" + ("" if why == state else f": {why}"))
        s = self.score_at(t)
        if s is not None:
            k = int(
                np.clip(
                    np.searchsorted(self.timestamps, t, side="right") - 1, 0, len(self.scores) - 1
                )
            )
            parts.append(f"importance {self.relative[k]:.2f} (score {s:.3f})")
        return "  ·  ".join(parts)
