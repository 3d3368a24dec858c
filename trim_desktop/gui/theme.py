"""Light or dark look from the system palette (Fusion style), never a fixed light sheet.

``apply(app, mode)``: "auto" keeps the platform's palette and turns it dark when the
system says it prefers dark (Qt's colour scheme); "dark" / "light" force one. Widgets
that draw their own colours (the timeline) read :func:`is_dark` and the palette, and
style sheets use ``palette(...)`` references, so a theme change reaches everything.
"""

from __future__ import annotations

import os
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

MODES = ("auto", "light", "dark")


def dark_palette() -> QPalette:
    p = QPalette()
    R, G = QPalette.ColorRole, QPalette.ColorGroup
    base, window, text = QColor(30, 32, 36), QColor(42, 45, 50), QColor(222, 225, 230)
    for role, color in (
        (R.Window, window),
        (R.WindowText, text),
        (R.Base, base),
        (R.AlternateBase, QColor(48, 51, 57)),
        (R.ToolTipBase, QColor(55, 58, 64)),
        (R.ToolTipText, text),
        (R.PlaceholderText, QColor(140, 146, 156)),
        (R.Text, text),
        (R.Button, QColor(52, 55, 61)),
        (R.ButtonText, text),
        (R.BrightText, QColor(255, 120, 110)),
        (R.Light, QColor(70, 74, 80)),
        (R.Midlight, QColor(60, 63, 69)),
        (R.Mid, QColor(88, 92, 100)),
        (R.Dark, QColor(22, 23, 26)),
        (R.Shadow, QColor(0, 0, 0)),
        (R.Highlight, QColor(58, 110, 200)),
        (R.HighlightedText, QColor(255, 255, 255)),
        (R.Link, QColor(110, 160, 240)),
        (R.LinkVisited, QColor(170, 140, 230)),
    ):
        p.setColor(role, color)
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(G.Disabled, role, QColor(120, 124, 132))
    return p


def system_prefers_dark() -> bool:
    app = QGuiApplication.instance()
    if app is None:
        return False
    try:
        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    except AttributeError:  # Qt < 6.5
        return False


def apply(app, mode: Optional[str] = None) -> str:
    """Set the palette for ``mode`` (None: $TRIM_DESKTOP_THEME or "auto"); returns the
    mode in effect ("light" or "dark")."""
    mode = (mode or os.environ.get("TRIM_DESKTOP_THEME") or "auto").lower()
    if mode not in MODES:
        mode = "auto"
    if mode == "dark" or (mode == "auto" and system_prefers_dark()):
        app.setPalette(dark_palette())
        return "dark"
    if mode == "light":
        app.setPalette(app.style().standardPalette())
    return "dark" if is_dark() else "light"


def is_dark(palette: Optional[QPalette] = None) -> bool:
    if palette is None:
        app = QGuiApplication.instance()
        palette = QGuiApplication.palette() if app is not None else QPalette()
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def hint_color(palette: Optional[QPalette] = None) -> str:
    """A muted text colour (hex) for hints in rich text, readable on this palette."""
    if palette is None:
        app = QGuiApplication.instance()
        palette = QGuiApplication.palette() if app is not None else QPalette()
    return palette.color(QPalette.ColorRole.PlaceholderText).name()
