"""The timeline under the player: importance curve, shots, selection, playhead.

Layout in plot coordinates (x = seconds, y fixed):
  * y in [0, 1]           the importance curve (scores rescaled to the video's own range,
                          see :func:`relative`), selected shots shaded behind it;
  * y in [STRIP_LO, STRIP_HI] (below 0) a strip with one block per shot, coloured when the
    shot is in the summary. Clicking a block (or Ctrl+clicking anywhere) toggles the shot.
Click elsewhere to seek; drag the playhead to scrub; wheel zooms and drag pans (x only);
double-click fits the whole video.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from .player import fmt_time


def relative(scores: np.ndarray) -> np.ndarray:
    """Scores rescaled to [0, 1] over this video, for display only.

    TRIM's sigmoid scores often sit in a narrow band near 1 (e.g. 0.97-1.00 on a 3-minute
    music video), which draws as a flat line although their order, which is what the
    selection uses, is clear. The bottom of the scale is the 10th percentile, not the
    minimum: the first sample has no predecessor in eq. (1), so its score is often a lone
    outlier that would squash the rest. Selection and exports keep the raw scores.
    """
    sc = np.asarray(scores, dtype=np.float32)
    if sc.size == 0:
        return sc
    lo, hi = float(np.percentile(sc, 10, method="lower")), float(sc.max())
    if hi - lo < 1e-6:
        return np.full_like(sc, 0.5)
    return np.clip((sc - lo) / (hi - lo), 0.0, 1.0)

STRIP_LO, STRIP_HI = -0.24, -0.06
Y_MIN, Y_MAX = -0.28, 1.06

SELECTED = QColor(46, 160, 110)           # summary shots
SELECTED_FILL = QColor(46, 160, 110, 70)
UNSELECTED = QColor(120, 128, 140)
CURVE = QColor(60, 120, 220)
CURVE_FILL = QColor(60, 120, 220, 38)
BOUNDARY = QColor(150, 155, 165, 150)
PLAYHEAD = QColor(230, 70, 60)
BACKGROUND = QColor(250, 250, 251)


class TimeAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        tenths = spacing < 1.0
        return [fmt_time(v, tenths=tenths) if v >= 0 else "" for v in values]


class Timeline(QWidget):
    seekRequested = Signal(float)      # seconds
    toggleRequested = Signal(int)      # index into the summary's segments
    hovered = Signal(str)

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.duration = 0.0
        self.timestamps = np.zeros(0)
        self.scores = np.zeros(0, np.float32)
        self.relative = np.zeros(0, np.float32)
        self.shot_times: np.ndarray = np.zeros((0, 2))
        self.selected: np.ndarray = np.zeros(0, bool)

        self.plot = pg.PlotWidget(axisItems={"bottom": TimeAxis(orientation="bottom")})
        self.plot.setBackground(BACKGROUND)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMinimumHeight(150)
        pi = self.plot.getPlotItem()
        pi.showGrid(x=True, y=False, alpha=0.15)
        for name in ("left", "bottom"):
            ax = pi.getAxis(name)
            ax.setPen(pg.mkPen(QColor(120, 125, 135)))
            ax.setTextPen(pg.mkPen(QColor(70, 75, 85)))
        left = pi.getAxis("left")
        left.setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1"),
                        ((STRIP_LO + STRIP_HI) / 2, "shots")], []])
        left.setWidth(40)
        self.vb: pg.ViewBox = pi.getViewBox()
        self.vb.setMouseEnabled(x=True, y=False)
        self.vb.setYRange(Y_MIN, Y_MAX, padding=0)
        self.vb.setLimits(yMin=Y_MIN, yMax=Y_MAX)
        self.vb.setXRange(0, 10, padding=0)

        self.sel_bars = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[], brush=SELECTED_FILL,
                                        pen=pg.mkPen(None))
        self.strip = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[], brush=UNSELECTED,
                                     pen=pg.mkPen(QColor(255, 255, 255), width=1))
        self.bounds = pg.PlotDataItem([], [], connect="pairs",
                                      pen=pg.mkPen(BOUNDARY, width=1, style=Qt.PenStyle.DashLine))
        self.curve = pg.PlotDataItem([], [], pen=pg.mkPen(CURVE, width=2),
                                     fillLevel=0.0, brush=CURVE_FILL)
        self.playhead = pg.InfiniteLine(pos=0.0, angle=90, movable=True,
                                        pen=pg.mkPen(PLAYHEAD, width=2),
                                        hoverPen=pg.mkPen(PLAYHEAD, width=4))
        self.hover_line = pg.InfiniteLine(pos=0.0, angle=90, movable=False,
                                          pen=pg.mkPen(QColor(90, 90, 90, 110), width=1))
        self.hover_line.hide()
        for item in (self.sel_bars, self.strip, self.bounds, self.curve, self.hover_line,
                     self.playhead):
            self.plot.addItem(item)
        self.sel_bars.setZValue(-10)
        self.playhead.setZValue(20)

        self.title = QLabel("<b>Importance</b>")
        self.readout = QLabel("")
        self.readout.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.readout.setStyleSheet("color:#555b66;")
        self.legend = QLabel(
            f"<span style='color:{SELECTED.name()}'>■</span> in summary&nbsp;&nbsp;"
            f"<span style='color:{UNSELECTED.name()}'>■</span> left out&nbsp;&nbsp;"
            "<span style='color:#8b929c'>click a shot block to add / drop it</span>")
        head = QHBoxLayout()
        head.setContentsMargins(4, 0, 4, 0)
        head.addWidget(self.title)
        head.addSpacing(12)
        head.addWidget(self.legend)
        head.addStretch(1)
        head.addWidget(self.readout)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.plot, 1)

        self.playhead.sigDragged.connect(lambda line: self.seekRequested.emit(
            float(np.clip(line.value(), 0.0, max(self.duration, 0.0)))))
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_move)

    # -- data ----------------------------------------------------------------------------
    def clear(self) -> None:
        self.timestamps = np.zeros(0)
        self.scores = np.zeros(0, np.float32)
        self.relative = np.zeros(0, np.float32)
        self.curve.setData([], [])
        self.set_shots(np.zeros((0, 2)), np.zeros(0, bool))
        self.set_duration(0.0)
        self.set_position(0.0)
        self.readout.setText("")

    def set_duration(self, duration: float) -> None:
        self.duration = max(0.0, float(duration or 0.0))
        xmax = max(self.duration, 1.0)
        self.vb.setLimits(xMin=0.0, xMax=xmax, minXRange=min(1.0, xmax))
        self.vb.setXRange(0.0, xmax, padding=0)

    def set_scores(self, timestamps: Sequence[float], scores: Sequence[float]) -> None:
        ts = np.asarray(timestamps, dtype=np.float64)
        sc = np.asarray(scores, dtype=np.float32).reshape(-1)
        n = min(len(ts), len(sc))
        self.timestamps, self.scores = ts[:n], sc[:n]
        if n == 0:
            self.curve.setData([], [])
            return
        # Extend the last sample to the end of the video so the curve spans the timeline.
        xs, ys = self.timestamps, relative(self.scores)
        self.relative = ys
        if self.duration > xs[-1]:
            xs = np.append(xs, self.duration)
            ys = np.append(ys, ys[-1])
        self.curve.setData(xs, ys)

    def set_shots(self, shot_times, selected=None) -> None:
        """``shot_times`` (n, 2) start/end seconds; ``selected`` (n,) bools (None: none)."""
        st = np.asarray(shot_times, dtype=np.float64).reshape(-1, 2)
        sel = np.zeros(len(st), bool) if selected is None else np.asarray(selected, bool)
        self.shot_times, self.selected = st, sel
        n = len(st)
        # Boundaries: a vertical dashed line at every shot start but the first.
        if n > 1:
            xb = np.repeat(st[1:, 0], 2)
            yb = np.tile([STRIP_HI, 1.0], n - 1)
            self.bounds.setData(xb, yb)
        else:
            self.bounds.setData([], [])
        self._update_selection()

    def set_selected(self, selected) -> None:
        self.selected = np.asarray(selected, bool)
        self._update_selection()

    def _update_selection(self) -> None:
        st, sel = self.shot_times, self.selected
        if len(st) == 0:
            self.strip.setOpts(x0=[], x1=[], y0=[], y1=[], brushes=None)
            self.sel_bars.setOpts(x0=[], x1=[], y0=[], y1=[])
            return
        gap = 0.0  # adjacent blocks share an edge; the pen draws the separation
        brushes = [pg.mkBrush(SELECTED if s else UNSELECTED.lighter(150)) for s in sel]
        self.strip.setOpts(x0=st[:, 0] + gap, x1=st[:, 1] - gap,
                           y0=np.full(len(st), STRIP_LO), y1=np.full(len(st), STRIP_HI),
                           brushes=brushes)
        chosen = st[sel] if len(sel) == len(st) else np.zeros((0, 2))
        self.sel_bars.setOpts(x0=chosen[:, 0], x1=chosen[:, 1],
                              y0=np.full(len(chosen), 0.0), y1=np.full(len(chosen), 1.0))

    def set_position(self, t: float) -> None:
        if not self.playhead.moving:
            self.playhead.blockSignals(True)
            self.playhead.setValue(float(t))
            self.playhead.blockSignals(False)

    # -- queries -------------------------------------------------------------------------
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

    def score_at(self, t: float) -> Optional[float]:
        if len(self.timestamps) == 0:
            return None
        i = int(np.searchsorted(self.timestamps, t, side="right")) - 1
        i = min(max(i, 0), len(self.scores) - 1)
        return float(self.scores[i])

    # -- mouse ---------------------------------------------------------------------------
    def click_at(self, t: float, y: float, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        """What a left click at plot coordinates (t, y) does (also used by tests)."""
        if self.duration <= 0:
            return
        t = float(np.clip(t, 0.0, self.duration))
        in_strip = STRIP_LO - 0.03 <= y <= STRIP_HI + 0.03
        if in_strip or (modifiers & Qt.KeyboardModifier.ControlModifier):
            i = self.shot_at(t)
            if i is not None:
                self.toggleRequested.emit(i)
            return
        self.seekRequested.emit(t)

    def _on_click(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        pos = ev.scenePos()
        if not self.vb.sceneBoundingRect().contains(pos):
            return
        if ev.double():
            self.vb.setXRange(0.0, max(self.duration, 1.0), padding=0)
            return
        p = self.vb.mapSceneToView(pos)
        self.click_at(p.x(), p.y(), ev.modifiers())
        ev.accept()

    def _on_move(self, pos: QPointF) -> None:
        if not self.vb.sceneBoundingRect().contains(pos) or self.duration <= 0:
            self.hover_line.hide()
            return
        t = float(self.vb.mapSceneToView(pos).x())
        if t < 0 or t > self.duration:
            self.hover_line.hide()
            return
        self.hover_line.setValue(t)
        self.hover_line.show()
        self.readout.setText(self.describe(t))
        self.hovered.emit(self.readout.text())

    def describe(self, t: float) -> str:
        parts = [fmt_time(t, tenths=True)]
        s = self.score_at(t)
        if s is not None:
            i = int(np.clip(np.searchsorted(self.timestamps, t, side="right") - 1, 0, len(self.scores) - 1))
            parts.append(f"importance {self.relative[i]:.2f} (score {s:.3f})")
        i = self.shot_at(t)
        if i is not None:
            state = "in summary" if i < len(self.selected) and self.selected[i] else "left out"
            parts.append(f"shot {i + 1} ({state})")
        return "   ·   ".join(parts)
