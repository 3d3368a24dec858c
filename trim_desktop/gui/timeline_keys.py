"""The timeline's keys: next / previous piece, toggle the piece under the playhead, and
I / O marks with keep / drop of every marked piece (window-wide shortcuts, listed in
:data:`KEYS` for the shortcuts dialog too).

A mixin of :class:`timeline.Timeline` (kept apart so each timeline module has one job);
a toggle is a request (``toggleRequested``) that the window makes an undoable edit.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, cast

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from .player import fmt_time

# (action name, keys, what it does) for the window's shortcuts and the shortcuts dialog.
KEYS = [
    ("next_piece", ("Down", "]"), "Next piece"),
    ("prev_piece", ("Up", "["), "Previous piece (start of this one first)"),
    ("toggle_piece", ("T",), "Add / drop the piece under the playhead"),
    ("mark_in", ("I",), "Mark in (start of a range)"),
    ("mark_out", ("O",), "Mark out (end of a range)"),
    ("keep_marked", ("Return", "Enter"), "Keep every piece in the marked range"),
    ("drop_marked", ("Delete", "Backspace"), "Leave out every piece in the marked range"),
    ("clear_marks", ("X",), "Clear the marks"),
]


class PieceKeys:
    """Keyboard commands of a Timeline (and the I / O marks they set)."""

    duration: float
    shot_times: np.ndarray
    selected: np.ndarray
    mark_in: Optional[float]
    mark_out: Optional[float]
    marks_region: Any
    readout: Any
    toggleRequested: Any  # noqa: N815 - a Qt signal
    seekRequested: Any  # noqa: N815 - a Qt signal
    marksChanged: Any  # noqa: N815 - a Qt signal
    position: Callable[[], float]
    set_position: Callable[[float], None]
    shot_at: Callable[[float], Optional[int]]

    def _build_actions(self) -> dict:
        out = {}
        slots = {
            "next_piece": lambda: self.step_piece(1),
            "prev_piece": lambda: self.step_piece(-1),
            "toggle_piece": self.toggle_at_playhead,
            "mark_in": lambda: self.set_mark("in"),
            "mark_out": lambda: self.set_mark("out"),
            "keep_marked": lambda: self.apply_marks(True),
            "drop_marked": lambda: self.apply_marks(False),
            "clear_marks": self.clear_marks,
        }
        owner = cast(QWidget, self)  # the Timeline
        for name, keys, text in KEYS:
            a = QAction(text, owner)
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slots[name])
            owner.addAction(a)
            out[name] = a
        return out

    def step_piece(self, direction: int) -> None:
        """Move the playhead to the next piece's start (or back to this / the previous one)."""
        if len(self.shot_times) == 0:
            return
        t = self.position()
        starts = self.shot_times[:, 0]
        if direction > 0:
            later = starts[starts > t + 1e-3]
            if len(later):
                self._seek(float(later[0]))
        else:
            earlier = starts[starts < t - 0.25]  # near a start: go one further back
            self._seek(float(earlier[-1]) if len(earlier) else 0.0)

    def toggle_at_playhead(self) -> None:
        i = self.shot_at(self.position())
        if i is not None:
            self.toggleRequested.emit(i)

    def set_mark(self, which: str, t: Optional[float] = None) -> None:
        t = self.position() if t is None else float(t)
        if which == "in":
            self.mark_in = t
            if self.mark_out is not None and self.mark_out <= t:
                self.mark_out = None
        else:
            self.mark_out = t
            if self.mark_in is not None and self.mark_in >= t:
                self.mark_in = None
        self._update_marks()

    def clear_marks(self) -> None:
        self.mark_in = self.mark_out = None
        self._update_marks()

    def marked_range(self) -> Optional[tuple[float, float]]:
        if self.mark_in is None and self.mark_out is None:
            return None
        a = 0.0 if self.mark_in is None else self.mark_in
        b = self.duration if self.mark_out is None else self.mark_out
        return (a, b) if b > a else None

    def marked_pieces(self) -> list[int]:
        """Pieces whose larger part lies inside the marked range."""
        r = self.marked_range()
        if r is None or len(self.shot_times) == 0:
            return []
        a, b = r
        st = self.shot_times
        inside = np.clip(np.minimum(st[:, 1], b) - np.maximum(st[:, 0], a), 0, None)
        return [int(i) for i in np.nonzero(inside > 0.5 * (st[:, 1] - st[:, 0]))[0]]

    def apply_marks(self, keep: bool) -> None:
        """Keep (or leave out) every marked piece: one toggle per piece that changes."""
        for i in self.marked_pieces():
            if bool(self.selected[i]) != keep:
                self.toggleRequested.emit(i)

    def _update_marks(self) -> None:
        r = self.marked_range()
        if r is None:
            self.marks_region.hide()
        else:
            self.marks_region.setRegion(r)
            self.marks_region.show()
            n = len(self.marked_pieces())
            self.readout.setText(
                f"marked {fmt_time(r[0], True)}–{fmt_time(r[1], True)}: "
                f"{n} piece{'s' if n != 1 else ''} (Enter keeps, Delete drops)"
            )
        self.marksChanged.emit()

    def _seek(self, t: float) -> None:
        t = float(np.clip(t, 0.0, max(self.duration, 0.0)))
        self.set_position(t)
        self.seekRequested.emit(t)
