"""The timeline under the player: importance curve, pieces, selection, playhead.

Layout in plot coordinates (x = seconds, y fixed):
  * y in [0, 1]           the importance curve (scores rescaled to the video's own range,
                          see :func:`relative`), selected pieces shaded behind it;
  * y in [STRIP_LO, STRIP_HI] (below 0) a strip with one block per piece, coloured when the
    piece is in the summary, hatched grey when it is junk (dark, flat, still, blurred).
    Clicking a block (or Ctrl+clicking anywhere) toggles the piece.
Click elsewhere to seek; drag the playhead to scrub; wheel zooms and drag pans (x only);
double-click fits the whole video. Near a kept piece's start or end (EDGE_PX pixels) the
cursor becomes a resize cursor and a drag moves that edge: the release asks for one trim
(``trimRequested``), which the window makes an undoable edit. Hovering shows a thumbnail
of the piece and a one-line readout (why the piece is kept or left); a line under the
plot states the selection rule. Keys (window-wide, see :data:`KEYS`): next / previous
piece, toggle the piece under the playhead, I / O marks and keep / drop the marked pieces.

This module is the plot (its items, theme, data, clicks and mouse routing); the rest is
in mixins, one job each: :mod:`timeline_pieces` (the piece strip), :mod:`timeline_hover`
(readout and thumbnail), :mod:`timeline_edges` (dragging an edge),
:mod:`timeline_keys` (keys and marks).

Readouts have a fixed size (:class:`widgets.ElidedLabel`): hovering never reflows the
window. Colours follow the application palette (light or dark).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import theme
from .player import fmt_time
from .thumbs import Thumbnails
from .timeline_edges import EDGE_PX, EdgeDrag
from .timeline_hover import HoverReadout
from .timeline_keys import KEYS, PieceKeys
from .timeline_pieces import (
    BOUNDARY,
    JUNK,
    SELECTED,
    SELECTED_FILL,
    STRIP_HI,
    STRIP_LO,
    UNSELECTED,
    PieceStrip,
)
from .widgets import ElidedLabel


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


Y_MIN, Y_MAX = -0.28, 1.06

CURVE = QColor(60, 120, 220)
CURVE_FILL = QColor(60, 120, 220, 38)
PLAYHEAD = QColor(230, 70, 60)
MARKS = QColor(230, 160, 40, 60)

# (names other modules and the tests import from here)
__all__ = ["EDGE_PX", "KEYS", "STRIP_HI", "STRIP_LO", "Timeline", "relative"]


class TimeAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        tenths = spacing < 1.0
        return [fmt_time(v, tenths=tenths) if v >= 0 else "" for v in values]


class Timeline(PieceKeys, EdgeDrag, HoverReadout, PieceStrip, QWidget):
    seekRequested = Signal(float)  # seconds
    toggleRequested = Signal(int)  # index into the summary's segments
    trimRequested = Signal(int, str, float)  # kept piece, "start" / "end", new edge (s)
    hovered = Signal(str)
    marksChanged = Signal()

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        pg.setConfigOptions(antialias=True)
        self.duration = 0.0
        self.timestamps = np.zeros(0)
        self.scores = np.zeros(0, np.float32)
        self.relative = np.zeros(0, np.float32)
        self.shot_times: np.ndarray = np.zeros((0, 2))
        self.selected: np.ndarray = np.zeros(0, bool)
        self.reasons: list[str] = []
        self.junk: list[str] = []
        self.rule = ""
        self.source: Optional[str] = None
        self.mark_in: Optional[float] = None
        self.mark_out: Optional[float] = None
        self._hover_t: Optional[float] = None
        self._drag: Optional[tuple[int, str, float, float]] = None  # piece, side, edge, press x
        self._resize_cursor = False

        self.plot = pg.PlotWidget(axisItems={"bottom": TimeAxis(orientation="bottom")})
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMinimumHeight(150)
        self.plot.setAccessibleName("Importance timeline")
        self.plot.setAccessibleDescription(
            "Importance of each moment over time, with the pieces of the video below it. "
            "Click to move the playhead; click a piece block to add or drop it."
        )
        pi = self.plot.getPlotItem()
        pi.showGrid(x=True, y=False, alpha=0.15)
        left = pi.getAxis("left")
        left.setTicks(
            [[(0.0, "0"), (0.5, "0.5"), (1.0, "1"), ((STRIP_LO + STRIP_HI) / 2, "pieces")], []]
        )
        left.setWidth(44)
        self.vb: pg.ViewBox = pi.getViewBox()
        self.vb.setMouseEnabled(x=True, y=False)
        self.vb.setYRange(Y_MIN, Y_MAX, padding=0)
        self.vb.setLimits(yMin=Y_MIN, yMax=Y_MAX)
        self.vb.setXRange(0, 10, padding=0)

        self.sel_bars = pg.BarGraphItem(
            x0=[], x1=[], y0=[], y1=[], brush=SELECTED_FILL, pen=pg.mkPen(None)
        )
        self.strip = pg.BarGraphItem(
            x0=[],
            x1=[],
            y0=[],
            y1=[],
            brush=UNSELECTED,
            pen=pg.mkPen(QColor(255, 255, 255), width=1),
        )
        self.bounds = pg.PlotDataItem(
            [], [], connect="pairs", pen=pg.mkPen(BOUNDARY, width=1, style=Qt.PenStyle.DashLine)
        )
        self.curve = pg.PlotDataItem(
            [], [], pen=pg.mkPen(CURVE, width=2), fillLevel=0.0, brush=CURVE_FILL
        )
        self.playhead = pg.InfiniteLine(
            pos=0.0,
            angle=90,
            movable=True,
            pen=pg.mkPen(PLAYHEAD, width=2),
            hoverPen=pg.mkPen(PLAYHEAD, width=4),
        )
        self.hover_line = pg.InfiniteLine(
            pos=0.0, angle=90, movable=False, pen=pg.mkPen(QColor(128, 128, 128, 130), width=1)
        )
        self.hover_line.hide()
        self.edge_line = pg.InfiniteLine(
            pos=0.0, angle=90, movable=False, pen=pg.mkPen(SELECTED, width=3)
        )
        self.edge_line.hide()
        self.marks_region = pg.LinearRegionItem(
            values=(0, 0), movable=False, brush=pg.mkBrush(MARKS), pen=pg.mkPen(None)
        )
        self.marks_region.hide()
        for item in (
            self.marks_region,
            self.sel_bars,
            self.strip,
            self.bounds,
            self.curve,
            self.hover_line,
            self.edge_line,
            self.playhead,
        ):
            self.plot.addItem(item)
        self.marks_region.setZValue(-20)
        self.sel_bars.setZValue(-10)
        self.playhead.setZValue(20)

        self.title = QLabel("<b>Importance</b>")
        self.legend = QLabel()
        # Fixed-size readout: the layout never changes when it is written (hover).
        self.readout = ElidedLabel("")
        self.readout.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.readout.setAccessibleName("Timeline readout")
        self.rule_label = ElidedLabel("")
        self.rule_label.setAccessibleName("Selection rule")
        head = QHBoxLayout()
        head.setContentsMargins(4, 0, 4, 0)
        head.addWidget(self.title)
        head.addSpacing(12)
        head.addWidget(self.readout, 1)
        # The legend sits under the piece strip it explains, beside the rule: the
        # readout above gets the width to show why a piece is in or out (at 1024 px
        # the reason was cut off after "piece 18 (i…").
        foot = QHBoxLayout()
        foot.setContentsMargins(4, 0, 4, 0)
        foot.addWidget(self.legend)
        foot.addSpacing(12)
        foot.addWidget(self.rule_label, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.plot, 1)
        lay.addLayout(foot)

        # Thumbnail of the hovered piece: a child of the plot (not a top-level tooltip,
        # so it appears on every platform and never takes focus).
        self.thumbs = Thumbnails(self)
        self.thumbs.ready.connect(self._on_thumb)
        self.thumb = QLabel(self.plot)
        self.thumb.setFrameShape(QFrame.Shape.Box)
        self.thumb.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.thumb.hide()
        self._thumb_key: Optional[tuple[str, float]] = None

        self.actions_ = self._build_actions()
        self.apply_theme()
        self.set_rule(None)  # no summary yet

        self.playhead.sigDragged.connect(
            lambda line: self.seekRequested.emit(
                float(np.clip(line.value(), 0.0, max(self.duration, 0.0)))
            )
        )
        self.plot.scene().sigMouseClicked.connect(self._on_click)
        self.plot.scene().sigMouseMoved.connect(self._on_move)
        self.plot.viewport().installEventFilter(self)

    # -- look ----------------------------------------------------------------------------
    def apply_theme(self) -> None:
        """Colours from the palette: light or dark background, readable axes."""
        pal = self.palette()
        dark = theme.is_dark(pal)
        bg = pal.color(QPalette.ColorRole.Base)
        self.plot.setBackground(bg)
        fg = pal.color(QPalette.ColorRole.Text)
        axis_pen = pg.mkPen(QColor(150, 155, 165) if dark else QColor(120, 125, 135))
        for name in ("left", "bottom"):
            ax = self.plot.getPlotItem().getAxis(name)
            ax.setPen(axis_pen)
            ax.setTextPen(pg.mkPen(fg))
        self.strip.setOpts(pen=pg.mkPen(bg, width=1))
        hint = theme.hint_color(pal)
        self.readout.setStyleSheet(f"color:{hint};")
        self.rule_label.setStyleSheet(f"color:{hint};")
        self.legend.setText(
            f"<span style='color:{SELECTED.name()}'>■</span> in summary&nbsp;&nbsp;"
            f"<span style='color:{UNSELECTED.lighter(150 if not dark else 110).name()}'>■</span>"
            f" left out&nbsp;&nbsp;<span style='color:{JUNK.name()}'>▨</span> junk"
        )
        self.legend.setToolTip(
            "Click a piece block to add or drop it. Junk: too dark, a "
            "single colour, a still slate or too blurred."
        )
        self.thumb.setStyleSheet(f"background:{bg.name()}; padding:2px;")
        self._update_selection()

    def changeEvent(self, ev) -> None:  # noqa: N802
        if ev.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.apply_theme()
        super().changeEvent(ev)

    # -- data ----------------------------------------------------------------------------
    def clear(self) -> None:
        self.timestamps = np.zeros(0)
        self.scores = np.zeros(0, np.float32)
        self.relative = np.zeros(0, np.float32)
        self.curve.setData([], [])
        self.set_shots(np.zeros((0, 2)), np.zeros(0, bool))
        self.set_duration(0.0)
        self.set_position(0.0)
        self.clear_marks()
        self.set_rule(None)  # no summary yet
        self._hover_t = None
        self._drag = None
        self.edge_line.hide()
        self.hover_line.hide()
        self.thumb.hide()
        self.readout.setText("")

    def set_source(self, path: Optional[str]) -> None:
        """The video the pieces come from (for their thumbnails)."""
        if path != self.source:
            self.thumbs.clear()
        self.source = path

    def set_duration(self, duration: float) -> None:
        self.duration = max(0.0, float(duration or 0.0))
        xmax = max(self.duration, 1.0)
        self.vb.setLimits(xMin=0.0, xMax=xmax, minXRange=min(1.0, xmax))
        self.vb.setXRange(0.0, xmax, padding=0)

    def set_scores(self, timestamps: ArrayLike, scores: ArrayLike) -> None:
        ts = np.asarray(timestamps, dtype=np.float64)
        sc = np.asarray(scores, dtype=np.float32).reshape(-1)
        n = min(len(ts), len(sc))
        self.timestamps, self.scores = ts[:n], sc[:n]
        if n == 0:
            self.relative = np.zeros(0, np.float32)
            self.curve.setData([], [])
            self._refresh_readout()
            return
        # Extend the last sample to the end of the video so the curve spans the timeline.
        xs, ys = self.timestamps, relative(self.scores)
        self.relative = ys
        if self.duration > xs[-1]:
            xs = np.append(xs, self.duration)
            ys = np.append(ys, ys[-1])
        self.curve.setData(xs, ys)
        self._refresh_readout()

    def set_position(self, t: float) -> None:
        if not self.playhead.moving:
            self.playhead.blockSignals(True)
            self.playhead.setValue(float(t))
            self.playhead.blockSignals(False)

    def position(self) -> float:
        return float(self.playhead.value())

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

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802
        kind = ev.type()
        if kind == QEvent.Type.Leave:
            self.hover_at(None)
        elif kind in (
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.MouseButtonRelease,
        ):
            scene = self.plot.mapToScene(ev.position().toPoint())
            left = ev.button() == Qt.MouseButton.LeftButton
            if kind == QEvent.Type.MouseButtonPress and left:
                return self.press_at(scene)
            if kind == QEvent.Type.MouseMove:
                return self.move_to(scene)
            if kind == QEvent.Type.MouseButtonRelease and left:
                return self.release_at(scene)
        return super().eventFilter(obj, ev)
