"""Small widgets shared by the window's parts."""

from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class ElidedLabel(QLabel):
    """One line of plain text that never asks for more room than it has.

    Its size hint does not depend on the text, so writing a long readout does not widen
    the pane around it (the layout does not move under the mouse); text that does not
    fit ends in "…" and the whole of it is the tooltip.
    """

    def __init__(
        self,
        text: str = "",
        parent: Optional[QWidget] = None,
        elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
    ) -> None:
        super().__init__(parent)
        self._full = ""
        self._elide = elide
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt API
        self._full = str(text or "")
        super().setText(self._full)
        self.setToolTip(self._full if self.is_elided() else "")
        self.update()

    def full_text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        return self.fontMetrics().elidedText(
            self._full, self._elide, max(0, self.contentsRect().width())
        )

    def is_elided(self) -> bool:
        return self.fontMetrics().horizontalAdvance(self._full) > self.contentsRect().width()

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(80, self.fontMetrics().height() + 2)

    def minimumSizeHint(self) -> QSize:  # noqa: N802
        return QSize(0, self.fontMetrics().height() + 2)

    def resizeEvent(self, ev) -> None:  # noqa: N802
        super().resizeEvent(ev)
        self.setToolTip(self._full if self.is_elided() else "")

    def paintEvent(self, _ev) -> None:  # noqa: N802
        p = QPainter(self)
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(
            self.contentsRect(),
            int(self.alignment()) | int(Qt.TextFlag.TextSingleLine),
            self.shown_text(),
        )
        p.end()
