"""Small parts of the window: the Summary box, the activity bar, the notice bar, and the
style sheet (from the palette, so it follows a light or dark system theme)."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .player import fmt_time
from .widgets import ElidedLabel

STAGE_TEXT = {
    "probe": "Opening video",
    "decode": "Reading video",
    "features": "Looking at the video",
    "stage1": "Learning the video (1 of 2)",
    "stage2": "Scoring moments (2 of 2)",
    "kts": "Finding shots",
    "select": "Choosing shots",
    "export": "Exporting summary",
}


def _mix(a: QColor, b: QColor, t: float) -> str:
    """``a`` moved ``t`` of the way to ``b``, as #rrggbb."""
    return QColor(
        int(a.red() + (b.red() - a.red()) * t),
        int(a.green() + (b.green() - a.green()) * t),
        int(a.blue() + (b.blue() - a.blue()) * t),
    ).name()


def style_sheet(pal: QPalette) -> str:
    """The window's style sheet, its colours taken from ``pal`` (light or dark): no
    fixed light colours, so a dark system palette gives a dark window."""
    R = QPalette.ColorRole
    win, base, text = pal.color(R.Window), pal.color(R.Base), pal.color(R.WindowText)
    hl = pal.color(R.Highlight)
    hint = _mix(text, win, 0.42)
    border = _mix(win, text, 0.18)
    box = _mix(win, base, 0.6)
    side = _mix(win, base, 0.3)
    strip = _mix(win, text, 0.05)
    return f"""
QLabel[hint="true"] {{ color: {hint}; font-size: 8.5pt; }}
QGroupBox {{ font-weight: 600; border: 1px solid {border}; border-radius: 6px;
            margin-top: 14px; padding: 10px 8px 8px 8px; background: {box}; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {text.name()}; }}
QGroupBox QLabel, QGroupBox QCheckBox {{ font-weight: normal; }}
QPushButton#primary {{ background: {hl.name()}; color: {pal.color(R.HighlightedText).name()};
                      font-weight: 600; border: none; border-radius: 6px; padding: 8px 14px;
                      font-size: 10.5pt; }}
QPushButton#primary:hover {{ background: {hl.darker(115).name()}; }}
QPushButton#primary:disabled {{ background: {_mix(hl, win, 0.55)}; }}
QFrame#activity {{ background: {strip}; border-top: 1px solid {border}; }}
QFrame#notice {{ background: {_mix(win, QColor(230, 170, 40), 0.22)}; border-top: 1px solid {border}; }}
QFrame#side {{ background: {side}; }}
QLabel#summaryLabel {{ font-size: 10.5pt; font-weight: 600; color: {text.name()}; }}
QLabel#stageLabel {{ font-weight: 600; color: {text.name()}; }}
QStatusBar QLabel {{ color: {hint}; padding: 0 6px; }}
"""


class NoticeBar(QFrame):
    """A message too long for the status bar, whole and wrapped, until closed (×) or
    the next video opens: never cut mid-word. :meth:`offer` adds a button (a question the
    user may answer or ignore, without a modal dialog)."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("notice")
        self.label = QLabel("")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAccessibleName("Notification")
        self.close_btn = QToolButton()
        self.close_btn.setText("×")
        self.close_btn.setAutoRaise(True)
        self.close_btn.setToolTip("Dismiss")
        self.close_btn.setAccessibleName("Dismiss the notification")
        self.action_btn = QPushButton("")
        self.action_btn.hide()
        self.action_btn.clicked.connect(self._act)
        self._action = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 6, 4)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.action_btn, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.close_btn, 0, Qt.AlignmentFlag.AlignTop)
        self.close_btn.clicked.connect(self.dismiss)
        self.hide()

    def show_text(self, text: str) -> None:
        self._action = None
        self.action_btn.hide()
        self.label.setText(text)
        self.show()

    def offer(self, text: str, button: str, action) -> None:
        """``text`` with a ``button`` that runs ``action`` (then the bar closes)."""
        self.show_text(text)
        self._action = action
        self.action_btn.setText(button)
        self.action_btn.show()

    def offering(self) -> bool:
        return self.isVisible() and self._action is not None

    def _act(self) -> None:
        action = self._action
        self.dismiss()
        if action is not None:
            action()

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""

    def dismiss(self) -> None:
        self._action = None
        self.action_btn.hide()
        self.label.setText("")
        self.hide()


class ActivityBar(QFrame):
    """Stage, progress, time left and Cancel for the running job."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("activity")
        self.stage_label = ElidedLabel("Ready")
        self.stage_label.setObjectName("stageLabel")
        self.stage_label.setMinimumWidth(220)
        self.stage_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.stage_label.setAccessibleName("What is running")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(12)
        self.eta_label = QLabel("")
        self.eta_label.setFixedWidth(130)
        self.eta_label.setAccessibleName("Time left")
        self.bar.setAccessibleName("Progress")
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop the running task (Esc)")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.cancel_btn.setAccessibleName("Cancel the running task")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.stage_label, 2)
        lay.addWidget(self.bar, 1)
        lay.addWidget(self.eta_label)
        lay.addWidget(self.cancel_btn)
        self.idle("Ready")

    def busy(self, text: str, fraction: Optional[float], eta: Optional[float]) -> None:
        self.stage_label.setText(text)
        if fraction is None:
            self.bar.setRange(0, 0)  # busy indicator
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(round(fraction * 1000)))
        self.bar.setEnabled(True)
        self.eta_label.setText("" if eta is None else f"about {fmt_time(max(eta, 1.0))} left")
        self.cancel_btn.setEnabled(True)

    def idle(self, text: str) -> None:
        self.stage_label.setText(text)
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setEnabled(False)
        self.eta_label.setText("")
        self.cancel_btn.setEnabled(False)


class SummaryBox(QGroupBox):
    """Summarize, the summary's length against its budget, Preview and Export."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__("Summary", parent)
        self.summarize_btn = QPushButton("Summarize")
        self.summarize_btn.setObjectName("primary")
        self.summarize_btn.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.summarize_btn.setToolTip("Find the important moments (Ctrl+R)")
        self.summarize_btn.setMinimumHeight(38)
        self.label = QLabel("No summary yet")
        self.label.setObjectName("summaryLabel")
        self.detail = QLabel("Open a video and press Summarize.")
        self.detail.setProperty("hint", True)
        self.detail.setWordWrap(True)
        # Two lines, always: the text changing must not move the sliders below it.
        self.detail.setFixedHeight(2 * self.detail.fontMetrics().lineSpacing() + 4)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.detail.setToolTip("Click a piece block under the curve to add or drop it")
        self.preview_btn = QPushButton("Preview")
        self.preview_btn.setCheckable(True)
        self.preview_btn.setToolTip("Play only the kept pieces (P; P again stops)")
        self.export_btn = QPushButton("Export…")
        self.export_btn.setToolTip(
            "Save the summary as a video (Ctrl+E); File > Export "
            "Options: a clip per piece, fast export"
        )
        for b in (self.preview_btn, self.export_btn):
            b.setMinimumHeight(30)
        self.column = bl = QVBoxLayout(self)
        bl.addWidget(self.label)
        bl.addWidget(self.detail)
        row = QHBoxLayout()
        row.addWidget(self.preview_btn)
        row.addWidget(self.export_btn)
        bl.addLayout(row)

    def clear(self, hint: str) -> None:
        self.label.setText("No summary yet")
        self.label.setStyleSheet("")  # not the last summary's "over budget" colour
        self.detail.setText(hint)

    def show_summary(self, s, budget: float) -> None:
        """The kept length against the budget (seconds) and how many pieces are kept."""
        if s is None:
            self.label.setText("No summary yet")
            self.label.setStyleSheet("")
            return
        length = float(s.selected_duration)
        n_sel, n = len(s.selected), len(s.segments)
        tenths = budget < 10.0  # short clips: whole seconds would say "0:01 of 0:01"
        self.label.setText(
            f"Summary {fmt_time(length, tenths)} of {fmt_time(budget, tenths)} budget"
        )
        over = length > budget + 0.5
        self.label.setStyleSheet("color:#b45309;" if over else "")
        if n_sel == 0 and n:
            self.detail.setText(
                "No piece fits the budget: raise the length, or click piece blocks under the curve."
            )
            return
        self.detail.setText(
            f"{n_sel} of {n} pieces kept"
            + (" — longer than the budget." if over else ". Click a piece block to add or drop it.")
        )

    def show_state(
        self,
        has_video: bool,
        summarizing: bool,
        has_summary: bool,
        summarized: bool,
        exporting: bool,
    ) -> None:
        self.summarize_btn.setEnabled(has_video and not summarizing)
        self.summarize_btn.setText(
            "Summarizing…" if summarizing else ("Summarize again" if summarized else "Summarize")
        )
        self.export_btn.setEnabled(has_summary and not exporting)
        self.preview_btn.setEnabled(has_summary)


class EditsButton(QPushButton):
    """ "n manual changes - Reset": shown while pieces follow the user, not the machine."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__("", parent)
        self.setFlat(True)
        self.setToolTip("Forget the pieces you added or dropped by hand")
        self.setAccessibleName("Reset the pieces changed by hand")
        sp = self.sizePolicy()
        sp.setRetainSizeWhenHidden(True)  # appearing must not push the sliders down
        self.setSizePolicy(sp)
        self.setVisible(False)

    def show_count(self, n: int) -> None:
        self.setText(f"{n} manual change{'' if n == 1 else 's'} — Reset")
        self.setVisible(n > 0)
