"""Every modal dialog goes through this module, so tests can monkeypatch one function.

``show_error``, ``ask_open_path``, ``ask_save_path``, ``ask_clips_folder``,
``ask_sheet_path``, ``ask_cutlist_path``, ``ask_segments_path``, ``export_done`` and
``show_about`` are the only places that call ``QMessageBox`` / ``QFileDialog``.
"""

from __future__ import annotations

import os
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import __version__

VIDEO_FILTER = (
    "Videos (*.mp4 *.m4v *.mov *.mkv *.avi *.webm *.mpg *.mpeg *.wmv *.flv *.ts "
    "*.MP4 *.MOV *.MKV *.AVI);;All files (*)"
)


def show_error(
    parent: Optional[QWidget], text: str, details: Optional[str] = None, title: str = "TRIM Desktop"
) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(text)
    if details:
        box.setDetailedText(details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.exec()


def ask_open_path(parent: Optional[QWidget], folder: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open video", folder, VIDEO_FILTER)
    return path


def ask_model_path(parent: Optional[QWidget], folder: str) -> str:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Use a trained model", folder, "TRIM models (*.pt *.pth);;All files (*)"
    )
    return path


def _ask_save(parent: Optional[QWidget], title: str, suggested: str, kind: str, ext: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, f"{kind} (*{ext})")
    if path and not path.lower().endswith(ext):
        path += ext
    return path


VIDEO_SAVE_TYPES = (
    ("MP4 video", ".mp4"),
    ("QuickTime movie", ".mov"),
    ("Matroska video", ".mkv"),
    ("MP4 video for Apple devices", ".m4v"),
)
"""What the summary can be saved as; the ending picks the container."""


PROJECT_FILTER = "TRIM Desktop projects (*.trimproj);;All files (*)"


def ask_project_save_path(parent: Optional[QWidget], suggested: str) -> str:
    return _ask_save(parent, "Save project", suggested, "TRIM Desktop project", ".trimproj")


def ask_project_open_path(parent: Optional[QWidget], folder: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open project", folder, PROJECT_FILTER)
    return path


def ask_save_path(parent: Optional[QWidget], suggested: str) -> str:
    """The summary's file: MP4, MOV, MKV or M4V (the chosen type's ending is added when
    the name has none of them)."""
    filters = [f"{kind} (*{ext})" for kind, ext in VIDEO_SAVE_TYPES]
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export summary", suggested, ";;".join(filters)
    )
    endings = [ext for _, ext in VIDEO_SAVE_TYPES]
    if path and not path.lower().endswith(tuple(endings)):
        path += endings[filters.index(chosen)] if chosen in filters else ".mp4"
    return path


def ask_clips_folder(parent: Optional[QWidget], suggested: str) -> str:
    """A new folder for one clip per piece (it must not hold other files)."""
    path, _ = QFileDialog.getSaveFileName(
        parent, "Export one clip per piece into a new folder", suggested, "Folder (*)"
    )
    return path


def ask_sheet_path(parent: Optional[QWidget], suggested: str) -> str:
    return _ask_save(parent, "Export contact sheet", suggested, "PNG image", ".png")


def ask_cutlist_path(parent: Optional[QWidget], suggested: str, formats: dict[str, str]) -> str:
    """A save dialog with one filter per cut list format (``formats``: ending -> name);
    the chosen filter's ending is added when the typed name has none of them."""
    filters = [f"{name} (*{ext})" for ext, name in formats.items()]
    start = next(
        (f for f, ext in zip(filters, formats) if suggested.lower().endswith(ext)), filters[0]
    )
    path, chosen = QFileDialog.getSaveFileName(
        parent, "Export cut list", suggested, ";;".join(filters), start
    )
    if path and not any(path.lower().endswith(ext) for ext in formats):
        ext = next((e for f, e in zip(filters, formats) if f == chosen), next(iter(formats)))
        path += ext
    return path


def ask_segments_path(parent: Optional[QWidget], folder: str) -> str:
    path, _ = QFileDialog.getOpenFileName(
        parent, "Open segments", folder, "Segments files (*.json *.csv);;All files (*)"
    )
    return path


def export_done(parent: Optional[QWidget], path: str) -> str:
    """Tell the user the export finished. Returns "play", "folder" or "close".

    A clips folder (File > Export Options > One Clip per Piece) says how many clips it
    holds and offers the folder: there is no one summary to play."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle("Export finished")
    box.setInformativeText(path)
    if os.path.isdir(path):
        n = sum(1 for e in os.scandir(path) if e.is_file() and not e.name.startswith("."))
        box.setText(f"{n} clip{'s' if n != 1 else ''} saved, one per kept piece.")
        play = None
        folder = box.addButton("Show folder", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(folder)
    else:
        box.setText("The summary was saved.")
        play = box.addButton("Play summary", QMessageBox.ButtonRole.AcceptRole)
        folder = box.addButton("Show folder", QMessageBox.ButtonRole.ActionRole)
        box.setDefaultButton(play)
    box.addButton(QMessageBox.StandardButton.Close)
    box.exec()
    clicked = box.clickedButton()
    if play is not None and clicked is play:
        return "play"
    if clicked is folder:
        return "folder"
    return "close"


SHORTCUTS = [
    ("Space", "Play / pause"),
    ("Left / Right", "Step one frame back / forward"),
    ("Shift+Left / Shift+Right", "Jump 5 seconds back / forward"),
    ("P", "Preview the summary (play selected pieces only); P again stops"),
    ("J / K / L", "Back 2 s / pause / play (L again: faster, up to 4x)"),
    ("Down or ] / Up or [", "Next piece / previous piece"),
    ("T", "Add / drop the piece under the playhead"),
    ("I / O", "Mark in / mark out (a range of the video)"),
    ("Enter / Delete", "Keep / leave out every piece in the marked range"),
    ("X", "Clear the marks"),
    ("S", "Split the piece under the playhead in two"),
    ("Drag a kept piece's edge", "Trim the piece (or extend it into its neighbour)"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo an edit or a setting change"),
    ("Ctrl+S / Ctrl+Shift+S", "Save the project / save it under another name"),
    ("Ctrl+Shift+O", "Open a project"),
    ("Ctrl+O", "Open a video"),
    ("Ctrl+R", "Summarize"),
    ("Ctrl+E", "Export the summary"),
    ("Esc", "Cancel the running task"),
    ("Ctrl+Q", "Quit"),
    ("Ctrl+click on the timeline", "Add / drop the piece under the pointer"),
    ("Click on the piece strip", "Add / drop that piece"),
    ("Mouse wheel on the timeline", "Zoom in time; drag to pan; double-click to fit"),
]


class ShortcutsDialog(QDialog):
    def __init__(self, parent: Optional[QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        lay = QVBoxLayout(self)
        table = QTableWidget(len(SHORTCUTS), 2, self)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for row, (keys, what) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(keys))
            table.setItem(row, 1, QTableWidgetItem(what))
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        self.resize(520, 420)


def show_shortcuts(parent: Optional[QWidget]) -> None:
    ShortcutsDialog(parent).exec()


def about_text(text: str = "") -> str:
    """The About box: name, version (the package's one version), then ``text``."""
    return f"<b>TRIM Desktop</b> {__version__}" + (f"<br>{text}" if text else "")


def show_about(parent: Optional[QWidget], text: str) -> None:
    if __version__ not in text:
        text = about_text(text.replace("<b>TRIM Desktop</b><br>", "", 1))
    QMessageBox.about(parent, "About TRIM Desktop", text)
