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
(``trimRequested``), which the window makes an undoable edit. Hovering shows a thumbnail of the piece and a one-line
readout (why the piece is kept or left); a line under the plot states the selection rule.
Keys (window-wide, see :data:`KEYS`): next / previous piece, toggle the piece under the
playhead, I / O marks and keep / drop the marked pieces.

Readouts have a fixed size (:class:`widgets.ElidedLabel`): hovering never reflows the
window. Colours follow the application palette (light or dark).
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QKeySequence, QPalette, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from . import theme
from .player import fmt_time
from .thumbs import Thumbnails
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


STRIP_LO, STRIP_HI = -0.24, -0.06
EDGE_PX = 5
"""A press this close (pixels) to a kept piece's edge drags the edge."""
Y_MIN, Y_MAX = -0.28, 1.06

SELECTED = QColor(46, 160, 110)  # summary pieces
SELECTED_FILL = QColor(46, 160, 110, 70)
UNSELECTED = QColor(120, 128, 140)
JUNK = QColor(128, 128, 128)  # hatched: dark, flat, still or blurred pieces
CURVE = QColor(60, 120, 220)
CURVE_FILL = QColor(60, 120, 220, 38)
BOUNDARY = QColor(150, 155, 165, 150)
PLAYHEAD = QColor(230, 70, 60)
MARKS = QColor(230, 160, 40, 60)

# What the selection does when the summary does not say (Summary.extra["rule"]).
DEFAULT_RULE = (
    "Kept: the pieces that fill the budget with the highest total score "
    "(the research protocol's knapsack)."
)
JUNK_WORDS = {
    "dark": "too dark",
    "flat": "a single colour",
    "static": "a still slate",
    "blurred": "too blurred",
}

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


class TimeAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        tenths = spacing < 1.0
        return [fmt_time(v, tenths=tenths) if v >= 0 else "" for v in values]


def _hatched() -> QBrush:
    return QBrush(JUNK, Qt.BrushStyle.BDiagPattern)


class Timeline(QWidget):
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
        head.addWidget(self.legend)
        head.addSpacing(12)
        head.addWidget(self.readout, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(head)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.rule_label)

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
        self.set_rule("")

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
        self.set_rule("")
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

    def set_rule(self, rule: str) -> None:
        self.rule = str(rule or "")
        self.rule_label.setText("Selection: " + (self.rule or DEFAULT_RULE))

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

    def set_position(self, t: float) -> None:
        if not self.playhead.moving:
            self.playhead.blockSignals(True)
            self.playhead.setValue(float(t))
            self.playhead.blockSignals(False)

    def position(self) -> float:
        return float(self.playhead.value())

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

    piece_at = shot_at

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

    # -- keyboard ------------------------------------------------------------------------
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
        for name, keys, text in KEYS:
            a = QAction(text, self)
            a.setShortcuts([QKeySequence(k) for k in keys])
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            a.triggered.connect(slots[name])
            self.addAction(a)
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

    # -- dragging a kept piece's edge ------------------------------------------------------
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
        parts = [fmt_time(t, tenths=True)]
        s = self.score_at(t)
        if s is not None:
            k = int(
                np.clip(
                    np.searchsorted(self.timestamps, t, side="right") - 1, 0, len(self.scores) - 1
                )
            )
            parts.append(f"importance {self.relative[k]:.2f} (score {s:.3f})")
        i = self.shot_at(t)
        if i is not None:
            state = "in summary" if i < len(self.selected) and self.selected[i] else "left out"
            why = self.why(i)
            parts.append(f"piece {i + 1} ({state})" + ("" if why == state else f": {why}"))
        return "  ·  ".join(parts)
