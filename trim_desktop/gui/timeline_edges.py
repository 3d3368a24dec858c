"""Dragging a kept piece's edge on the timeline: near a kept range's start or end
(:data:`EDGE_PX` pixels) the cursor becomes a resize cursor, a press grabs the edge, the
edge line and the readout follow the pointer, and the release asks for one trim
(``trimRequested``), which the window makes an undoable edit. A press and release
without a move is a click.

A mixin of :class:`timeline.Timeline` (kept apart so each timeline module has one job);
the plot viewport's mouse events reach it through ``Timeline.eventFilter``.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
from PySide6.QtCore import QPointF, Qt

from .player import fmt_time

EDGE_PX = 5
"""A press this close (pixels) to a kept piece's edge drags the edge."""


class EdgeDrag:
    """Trimming a kept piece by dragging its edge."""

    duration: float
    shot_times: np.ndarray
    selected: np.ndarray
    _drag: Optional[tuple[int, str, float, float]]
    _resize_cursor: bool
    vb: Any
    plot: Any
    readout: Any
    edge_line: Any
    hover_line: Any
    thumb: Any
    _thumb_key: Optional[tuple[str, float]]
    trimRequested: Any  # noqa: N815 - a Qt signal
    click_at: Callable[..., None]

    def edge_near(self, scene_pos: QPointF) -> Optional[tuple[int, str, float]]:
        """(piece, "start" / "end", edge seconds) of the kept range edge within EDGE_PX
        pixels of ``scene_pos``; an edge between two kept pieces is none."""
        st, sel = self.shot_times, self.selected
        if (
            len(st) == 0
            or len(sel) != len(st)
            or self.duration <= 0
            or not self.vb.sceneBoundingRect().contains(scene_pos)
        ):
            return None
        t = float(self.vb.mapSceneToView(scene_pos).x())
        per_px = float(self.vb.viewPixelSize()[0]) or 1e-9
        best = None
        for k in np.nonzero(sel)[0]:
            i = int(k)
            for side, x, other in (("start", st[i, 0], i - 1), ("end", st[i, 1], i + 1)):
                if (
                    0 <= other < len(st)
                    and sel[other]
                    and abs(st[other, 1 if side == "start" else 0] - x) < 1e-6
                ):
                    continue
                d = abs(float(x) - t) / per_px
                if d <= EDGE_PX and (best is None or d < best[0]):
                    best = (d, i, side, float(x))
        return None if best is None else best[1:]

    def press_at(self, scene_pos: QPointF) -> bool:
        """A left press: near a kept edge it starts a drag (True: the event is taken)."""
        hit = self.edge_near(scene_pos)
        if hit is None:
            return False
        self._drag = (*hit, float(scene_pos.x()))
        self.edge_line.setValue(hit[2])
        self.edge_line.show()
        # the hovered piece's thumbnail and line would stay where the drag began, over
        # the place the edge is dragged to: gone until the pointer hovers again
        self.thumb.hide()
        self._thumb_key = None
        self.hover_line.hide()
        return True

    def move_to(self, scene_pos: QPointF) -> bool:
        """The pointer moved: the dragged edge follows, or the cursor shows a resize."""
        if self._drag is None:
            near = self.edge_near(scene_pos) is not None
            if near != self._resize_cursor:
                self._resize_cursor = near
                vp = self.plot.viewport()
                if near:
                    vp.setCursor(Qt.CursorShape.SizeHorCursor)
                else:
                    vp.unsetCursor()
            return False
        i, side, edge, _ = self._drag
        t = float(np.clip(self.vb.mapSceneToView(scene_pos).x(), 0.0, self.duration))
        self.edge_line.setValue(t)
        self.readout.setText(
            f"piece {i + 1}: {'start' if side == 'start' else 'end'} "
            f"{fmt_time(edge, True)} → {fmt_time(t, True)} (release to trim)"
        )
        return True

    def release_at(self, scene_pos: QPointF) -> bool:
        """The end of a drag: one trim request (a press without a move is a click)."""
        if self._drag is None:
            return False
        i, side, edge, x0 = self._drag
        self._drag = None
        self.edge_line.hide()
        p = self.vb.mapSceneToView(scene_pos)
        if abs(float(scene_pos.x()) - x0) < 2:
            self.click_at(p.x(), p.y())
        else:
            self.trimRequested.emit(i, side, float(np.clip(p.x(), 0.0, self.duration)))
        return True

    def scene_pos(self, t: float, y: float = 0.5) -> QPointF:
        """Scene coordinates of plot point (t seconds, y): for tests and scripts."""
        return self.vb.mapViewToScene(QPointF(float(t), float(y)))
