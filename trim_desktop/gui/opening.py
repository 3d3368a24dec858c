"""Opening a video in the window: File > Open / Open Sample / Open Recent, a dropped
file, and the background check (api.probe) that says what the file is.

A mixin of :class:`main_window.MainWindow` (kept apart so the window module stays
small). Opening resets everything of the last video first (jobs, preview, pieces,
messages), so nothing of it shows over the new one; a file that fails to open leaves
Open Recent.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, Optional, cast

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

from ..core import api
from . import actions, dialogs
from .player import fmt_time

ROOT = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))
RESOURCES = ROOT / "resources"
SAMPLE_VIDEO = RESOURCES / "sample.mp4"


class OpenCommands:
    """Open commands of the main window (uses its session, player, timeline, store)."""

    session: Any
    store: Any
    jobs: Any
    player: Any
    timeline: Any
    panel: Any
    box: Any
    notice: Any
    activity: Any
    projects: Any
    recent_menu: Any
    backbone_label: Any
    cache_label: Any
    show_error: Callable[..., None]
    notify: Callable[..., None]
    set_preview: Callable[[bool], None]
    last_folder: Callable[[], str]
    setWindowTitle: Callable[[str], None]  # noqa: N815 - Qt's
    statusBar: Callable[[], Any]  # noqa: N815 - Qt's
    _update_actions: Callable[[], None]

    def _widget(self) -> QWidget:
        """The window as the parent of its dialogs."""
        return cast(QWidget, self)

    def open_dialog(self) -> None:
        path = dialogs.ask_open_path(self._widget(), self.last_folder())
        if path:
            self.open_video(path)

    def open_sample(self) -> None:
        if not SAMPLE_VIDEO.exists():
            self.show_error(f"The sample video is not installed (expected {SAMPLE_VIDEO}).")
            return
        self.open_video(str(SAMPLE_VIDEO))

    def _fill_recent(self) -> None:
        actions.fill_recent(
            self.recent_menu, self.store.recent_files(), self.open_video, self._clear_recent
        )

    def _clear_recent(self) -> None:
        self.store.clear_recent()
        self._fill_recent()

    def open_video(self, path: str) -> None:
        """Open ``path`` in the player and check it in the background (api.probe); a
        project file opens as a project."""
        path = os.path.abspath(os.fspath(path))
        if path.lower().endswith(api.PROJECT_SUFFIX):  # dropped, recent or argv
            self.projects.open_project(path)
            return
        if not os.path.isfile(path):
            self.show_error(f"Cannot open '{Path(path).name}': the file does not exist.")
            self.store.set("recent/files", [p for p in self.store.recent_files() if p != path])
            self._fill_recent()
            return
        self._reset_video()
        gen = self.session.open(path)
        self.setWindowTitle(f"{Path(path).name} — TRIM Desktop")
        self.store.set("paths/last_folder", str(Path(path).parent))
        self.player.open(path)
        self.timeline.set_source(path)
        self.panel.note_new_video()  # hand-set weights carry over: say so
        self.box.clear("Press Summarize to find the important moments.")
        job = self.jobs.start("probe", lambda progress, cancel: api.probe(path))
        job.finished.connect(lambda info, gen=gen: self._on_probed(gen, info))
        job.failed.connect(
            lambda msg, det, user, gen=gen: self._on_open_failed(gen, msg, det, user)
        )
        self.projects.video_opened(path)
        self._update_actions()

    def _reset_video(self) -> None:
        self.jobs.cancel(export=False)
        self.set_preview(False)
        self.session.open(None)
        self.timeline.clear()
        self.player.close_media()
        self.panel.set_duration(None)
        self.box.clear("Open a video and press Summarize.")
        self.backbone_label.setText("Backbone: —")
        self.cache_label.setText("Features: —")
        self.setWindowTitle("TRIM Desktop")
        # nothing of the last video's messages stays ("Exported …", "Training cancelled")
        self.statusBar().clearMessage()
        self.notice.dismiss()
        self.activity.idle("Ready")

    def _on_probed(self, gen: int, info: Any) -> None:
        if not self.session.set_info(gen, info):
            return
        self.store.add_recent(info.path)  # only a file that opened goes to Open Recent
        self._fill_recent()
        self.player.set_fps(info.fps)
        if self.timeline.duration <= 0:
            self.timeline.set_duration(info.duration)
        self.panel.set_duration(info.duration)
        self.notify(
            f"{Path(info.path).name}: {fmt_time(info.duration)}, {info.width}×{info.height}, "
            f"{info.fps:.3g} fps{'' if info.has_audio else ', no sound'}",
            8000,
        )

    def _on_open_failed(self, gen: int, msg: str, details: str, user: bool) -> None:
        if gen != self.session.gen:
            return
        self.store.set(
            "recent/files", [p for p in self.store.recent_files() if p != self.session.path]
        )
        self._fill_recent()
        self._reset_video()
        self._update_actions()
        self.show_error(
            msg if user else f"Cannot open this video: {msg}", None if user else details
        )

    def _on_player_duration(self, seconds: float) -> None:
        if seconds > 0 and self.session.features is None:
            self.timeline.set_duration(seconds)

    def _on_player_error(self, text: str) -> None:
        if self.session.path:
            self.notify(f"Playback problem: {text}", 10000)

    # ================================================================== drag & drop
    def dragEnterEvent(self, ev) -> None:  # noqa: N802
        if dropped_path(ev.mimeData()):
            ev.acceptProposedAction()
        else:
            ev.ignore()

    def dragMoveEvent(self, ev) -> None:  # noqa: N802
        self.dragEnterEvent(ev)

    def dropEvent(self, ev) -> None:  # noqa: N802
        path = dropped_path(ev.mimeData())
        if path:
            ev.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_video(path))


def dropped_path(mime) -> Optional[str]:
    """The first local file among dropped URLs."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isfile(url.toLocalFile()):
            return url.toLocalFile()
    return None
