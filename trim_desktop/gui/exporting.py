"""Exports and hand-offs from the window: File > Export Summary (one video or a clip per
piece, as File > Export Options say), Export Contact Sheet, Export Cut List, and Open
Segments (a segments or cut-list file's kept pieces become the summary).

A mixin of :class:`main_window.MainWindow` (kept apart so the window module stays
small). Each export asks where (the folder of the last export, else the video's), then
runs in a job: the window stays usable, and what is written is core.api's (atomic).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, cast

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from ..core import api
from . import actions, dialogs


class ExportCommands:
    """Export commands of the main window (uses its session, store, jobs, timeline)."""

    session: Any
    store: Any
    jobs: Any
    timeline: Any
    activity: Any
    actions_: dict
    show_error: Callable[..., None]
    notify: Callable[..., None]
    set_preview: Callable[[bool], None]
    _show_summary_text: Callable[[], None]

    def _widget(self) -> QWidget:
        """The window as the parent of its dialogs."""
        return cast(QWidget, self)

    def _export_target(self, what: str, ask, suffix: str):
        """Check there is something to export and ask where: (video, ranges, out) or None."""
        s = self.session
        if s.summary is None or not s.path:
            self.show_error(f"Summarize a video first, then export its {what}.")
            return None
        ranges = s.selected_ranges()
        if not ranges:
            self.show_error("No piece is kept: add at least one piece to the summary.")
            return None
        folder = self.store.get_str("paths/last_export_folder", "")
        if not folder or not os.path.isdir(folder):
            folder = str(Path(s.path).parent)
        out = ask(self._widget(), os.path.join(folder, f"{Path(s.path).stem}{suffix}"))
        if not out:
            return None
        out = os.path.abspath(out)
        self.store.set("paths/last_export_folder", str(Path(out).parent))
        return s.path, ranges, out

    def export_summary(self) -> None:
        """File > Export Summary: as File > Export Options say (one video or a clip per
        piece; frame-accurate or fast)."""
        if self.jobs.exporting() and self.session.summary is not None:
            return
        mode, clips = actions.export_mode(self.actions_)
        self.store.set("export/mode", mode)
        self.store.set("export/clips", clips)
        if clips:
            target = self._export_target("clips", dialogs.ask_clips_folder, "_clips")
        else:
            target = self._export_target("summary", dialogs.ask_save_path, "_summary.mp4")
        if target is not None:
            src, ranges, out = target
            # the save dialog asked before replacing a file that was there; one that
            # appears while the export runs (another program, a second export) is kept.
            # A clips folder is replaced only when it holds nothing but earlier clips.
            replace = os.path.exists(out)
            self.jobs.export(
                lambda progress, cancel: api.export(
                    src, ranges, out, progress, cancel, replace=replace, mode=mode, clips=clips
                )
            )

    def export_contact_sheet(self) -> None:
        """File > Export Contact Sheet: a PNG grid of the summary's pieces with times."""
        self._side_export(
            "contact sheet", dialogs.ask_sheet_path, "_sheet.png", api.export_contact_sheet
        )

    def export_cutlist(self) -> None:
        """File > Export Cut List: the kept pieces for another program; the file
        dialog's filter (or the typed ending) picks the format."""
        formats = api.cutlist_formats()

        def ask(parent, suggested: str) -> str:
            return dialogs.ask_cutlist_path(parent, suggested, formats)

        self._side_export("cut list", ask, "_summary.edl", api.export_cutlist)

    def _side_export(self, what: str, ask, suffix: str, write) -> None:
        """A file beside the summary (contact sheet, cut list): ask where, write it as a
        side job (``write(src, ranges, out)``), then say where it went or why it failed."""
        target = self._export_target(what, ask, suffix)
        if target is None:
            return
        src, ranges, out = target
        job = self.jobs.start(what, lambda progress, cancel: write(src, ranges, out))
        job.finished.connect(lambda path: self.notify(f"{what.capitalize()} saved: {path}", 8000))
        job.failed.connect(
            lambda msg, det, user: self.show_error(f"The {what} was not saved: {msg}")
        )

    def open_segments(self) -> None:
        """File > Open Segments: a segments file's kept pieces become this video's summary
        (on the timeline, in Preview, for every export); Summarize makes a new one."""
        s = self.session
        if not s.path or s.info is None:
            self.show_error("Open the video first, then its segments file.")
            return
        folder = self.store.get_str("paths/last_export_folder", "") or str(Path(s.path).parent)
        path = dialogs.ask_segments_path(
            self._widget(), folder if os.path.isdir(folder) else str(Path(s.path).parent)
        )
        if path:
            self.load_segments(path)

    def load_segments(self, path: str) -> bool:
        try:
            summary = api.load_segments(path, self.session.info)
        except api.TrimError as err:
            self.show_error(str(err))
            return False
        self.set_preview(False)
        self.session.use_summary(summary)
        self.timeline.set_duration(summary.duration)
        if len(summary.sample_scores):
            self.timeline.set_scores(summary.timestamps, summary.sample_scores)
        self.timeline.set_summary(summary)
        self._show_summary_text()
        self.notify(
            f"The summary is now the {len(summary.selected)} kept pieces of "
            f"{Path(path).name}; Summarize makes a new one.",
            10000,
        )
        return True

    def _on_exported(self, out: str) -> None:
        self.activity.idle(f"Exported {Path(out).name}")
        action = dialogs.export_done(self._widget(), out)
        if action == "play":
            QDesktopServices.openUrl(QUrl.fromLocalFile(out))
        elif action == "folder":  # a clips folder itself, else the file's folder
            folder = out if os.path.isdir(out) else str(Path(out).parent)
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))
