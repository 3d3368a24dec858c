"""Two small parts of the window: the Summary box and the activity bar; the style sheet."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QFrame, QGroupBox, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QStyle, QVBoxLayout, QWidget)

from .player import fmt_time

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

STYLE = """
QLabel[hint="true"] { color: #6b7280; font-size: 8.5pt; }
QGroupBox { font-weight: 600; border: 1px solid #d9dce1; border-radius: 6px;
            margin-top: 14px; padding: 10px 8px 8px 8px; background: #ffffff; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; color: #30343b; }
QGroupBox QLabel, QGroupBox QCheckBox { font-weight: normal; }
QPushButton#primary { background: #2e6fd8; color: white; font-weight: 600; border: none;
                      border-radius: 6px; padding: 8px 14px; font-size: 10.5pt; }
QPushButton#primary:hover { background: #275fba; }
QPushButton#primary:disabled { background: #9db7e3; }
QFrame#activity { background: #f3f4f6; border-top: 1px solid #dcdfe4; }
QFrame#side { background: #f7f8fa; }
QLabel#summaryLabel { font-size: 10.5pt; font-weight: 600; color: #1f2937; }
QLabel#stageLabel { font-weight: 600; color: #1f2937; }
QStatusBar QLabel { color: #4b5563; padding: 0 6px; }
"""


class ActivityBar(QFrame):
    """Stage, progress, time left and Cancel for the running job."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setObjectName("activity")
        self.stage_label = QLabel("Ready")
        self.stage_label.setObjectName("stageLabel")
        self.stage_label.setMinimumWidth(220)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(12)
        self.eta_label = QLabel("")
        self.eta_label.setMinimumWidth(120)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop the running task (Esc)")
        self.cancel_btn.setEnabled(False)
        self.cancel_btn.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addWidget(self.stage_label)
        lay.addWidget(self.bar, 1)
        lay.addWidget(self.eta_label)
        lay.addWidget(self.cancel_btn)
        self.idle("Ready")

    def busy(self, text: str, fraction: Optional[float], eta: Optional[float]) -> None:
        self.stage_label.setText(text)
        if fraction is None:
            self.bar.setRange(0, 0)   # busy indicator
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
        self.preview_btn = QPushButton("Preview")
        self.preview_btn.setCheckable(True)
        self.preview_btn.setToolTip("Play only the selected shots (P)")
        self.export_btn = QPushButton("Export…")
        self.export_btn.setToolTip("Save the summary as an MP4 video (Ctrl+E)")
        for b in (self.preview_btn, self.export_btn):
            b.setMinimumHeight(30)
        bl = QVBoxLayout(self)
        bl.addWidget(self.label)
        bl.addWidget(self.detail)
        row = QHBoxLayout()
        row.addWidget(self.preview_btn)
        row.addWidget(self.export_btn)
        bl.addLayout(row)

    def clear(self, hint: str) -> None:
        self.label.setText("No summary yet")
        self.detail.setText(hint)

    def show_summary(self, s, budget: float) -> None:
        """The kept length against the budget (seconds) and how many pieces are kept."""
        if s is None:
            self.label.setText("No summary yet")
            return
        length = float(s.selected_duration)
        n_sel, n = len(s.selected), len(s.segments)
        tenths = budget < 10.0     # short clips: whole seconds would say "0:01 of 0:01"
        self.label.setText(f"Summary {fmt_time(length, tenths)} of "
                           f"{fmt_time(budget, tenths)} budget")
        over = length > budget + 0.5
        self.label.setStyleSheet("color:#b45309;" if over else "")
        if n_sel == 0 and n:
            self.detail.setText("No shot fits the budget: raise the summary length, "
                                "or click shot blocks under the curve to add them.")
            return
        self.detail.setText(f"{n_sel} of {n} shots selected"
                            + (" — longer than the budget" if over else "")
                            + ". Click a shot block under the curve to add or drop it.")

    def show_state(self, has_video: bool, summarizing: bool, has_summary: bool,
                   summarized: bool, exporting: bool) -> None:
        self.summarize_btn.setEnabled(has_video and not summarizing)
        self.summarize_btn.setText("Summarizing…" if summarizing else
                                   ("Summarize again" if summarized else "Summarize"))
        self.export_btn.setEnabled(has_summary and not exporting)
        self.preview_btn.setEnabled(has_summary)


class EditsButton(QPushButton):
    """"n manual changes - Reset": shown while pieces follow the user, not the machine."""

    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__("", parent)
        self.setFlat(True)
        self.setToolTip("Forget the pieces you added or dropped by hand")
        self.setVisible(False)

    def show_count(self, n: int) -> None:
        self.setText(f"{n} manual change{'' if n == 1 else 's'} — Reset")
        self.setVisible(n > 0)
