"""Projects in the window: File > Save Project (As) / Open Project, the autosave, and the
offer to restore it when the same video is opened again.

The file format and its checks are core.project's (through core.api); this module asks
where, shows what went wrong in one line, and puts a restored session on screen without
training (the scores come from the file, the features from the cache). Autosaves go to
the app's data folder (QStandardPaths' AppDataLocation, or ``TRIM_DESKTOP_DATA`` for tests
and portable use), one file per video content, at most once a second after an edit or a
new summary; the snapshot is taken on the GUI thread (references: the machine's summary
is never changed in place) and written by a side job (a 1-hour video's project: 315 KiB,
27 ms to serialise and write), one write at a time. Opening a
video with an autosave offers "Restore your edits from <time>?" in the notice bar: a
button, not a modal dialog, so the user may ignore it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Optional

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from ..core import api
from . import actions, dialogs
from .settings import save_choices, show_settings

AUTOSAVE_MS = 1000
"""An edit or a new summary is autosaved this long after the last one."""
LOCAL_FIELDS = ("device", "use_cache")


def data_dir() -> Path:
    """The app's data folder (autosaves live in its ``autosave`` folder)."""
    env = os.environ.get("TRIM_DESKTOP_DATA")
    if env:
        return Path(env)
    loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(loc) if loc else Path.home() / ".trim-desktop"


def when(seconds: float) -> str:
    """A saved time in words: "14:32" today, else "3 Dec 14:32"."""
    t = time.localtime(seconds)
    today = time.localtime()
    fmt = "%H:%M" if t[:3] == today[:3] else "%d %b %H:%M"
    return time.strftime(fmt, t).lstrip("0")


class Projects(QObject):
    """The window's project file, autosave and restore offer (see the module docstring)."""

    def __init__(self, win: Any) -> None:
        super().__init__(win)
        self.win = win
        self.path: Optional[str] = None  # the project file Save writes to
        self.identity: Optional[api.VideoIdentity] = None  # of the open video
        self.offered: Optional[api.Project] = None  # the autosave on offer
        self.autosaves = 0  # files written (tests, diagnostics)
        self._no_offer_gen = -1
        self._last_error = ""
        self._writing: Any = None  # the autosave job that runs
        self._again = False  # something changed while it ran
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave_now)

    @property
    def autosave_dir(self) -> Path:
        return data_dir() / "autosave"

    # -- the video -----------------------------------------------------------------------
    def video_opened(self, path: str) -> None:
        """A video was opened: learn its identity off the GUI thread, then offer its
        autosave when there is one."""
        self.timer.stop()
        self.path, self.identity, self.offered = None, None, None
        gen = self.win.session.gen
        job = self.win.jobs.start("identity", lambda progress, cancel: api.video_identity(path))
        job.finished.connect(lambda ident, gen=gen: self._on_identity(gen, ident))

    def _on_identity(self, gen: int, ident: api.VideoIdentity) -> None:
        if gen != self.win.session.gen or self.win._closing:
            return
        self.identity = ident
        if self.win.session.summary is not None:
            self.schedule()
        if gen == self._no_offer_gen:
            return
        file = api.autosave_path(self.autosave_dir, ident)
        if not file.is_file():
            return
        try:
            saved = api.load_project(file)
        except api.TrimError:
            return  # a damaged autosave is not worth a message; it is replaced
        if not api.project_matches(saved, ident):
            return
        self.offered = saved
        self.win.notice.offer(
            f"This video was summarized here before. Restore your edits from "
            f"{when(saved.saved_at)}?",
            "Restore",
            self.restore_offered,
        )

    def restore_offered(self) -> bool:
        """The user took the offer: the autosaved session is back on screen."""
        saved, self.offered = self.offered, None
        if saved is None or self.identity is None or not api.project_matches(saved, self.identity):
            return False
        self.win.notice.dismiss()
        busy = self.win.jobs.pipeline is not None and self.win.jobs.pipeline.running
        self._restore(saved, new_gen=busy)
        self.win.notify(f"Restored your edits from {when(saved.saved_at)}.", 6000)
        return True

    # -- autosave ------------------------------------------------------------------------
    def schedule(self) -> None:
        """Something changed (an edit, a new summary): autosave soon."""
        if self.win.session.summary is not None:
            self.timer.start()

    def _snapshot(self, identity: api.VideoIdentity) -> api.Project:
        s = self.win.session
        settings = s.made_with.get("select") or self.win.current_settings()
        return api.project_from_session(s, settings, identity)

    def _autosave_job(self) -> Optional[Any]:
        """``fn(progress, cancel)`` writing the open video's autosave (None: nothing to
        save yet); the snapshot is taken now."""
        s = self.win.session
        ident = self.identity
        if s.summary is None or ident is None or s.machine_summary is None:
            return None
        snap, folder = self._snapshot(ident), self.autosave_dir

        def write(progress=None, cancel=None) -> Path:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise api.ProjectError(f"cannot create {folder}: {err.strerror}") from None
            return api.save_project(snap, api.autosave_path(folder, ident))

        return write

    def autosave_now(self) -> None:
        """Write the autosave of the open video (in a side job; one at a time)."""
        self.timer.stop()
        if self._writing:
            self._again = True
            return
        write = self._autosave_job()
        if write is None:
            return
        job = self.win.jobs.start("autosave", write)
        self._writing = job
        job.finished.connect(self._saved)
        job.failed.connect(lambda msg, details, user: self._save_failed(msg))
        job.done.connect(self._written)

    def _saved(self, _path) -> None:
        self._last_error = ""
        self.autosaves += 1

    def _save_failed(self, msg: str) -> None:
        text = f"Autosave failed: {msg}"
        if text != self._last_error and not self.win._closing:  # once, not every edit
            self._last_error = text
            self.win.notify(text, 10000)

    def _written(self) -> None:
        self._writing = None
        if self._again:
            self._again = False
            self.schedule()

    def flush(self) -> None:
        """Closing: write a pending autosave now, here."""
        if self.timer.isActive() or self._again:
            self.timer.stop()
            if self._writing is not None:
                self._writing.wait(5000)  # its older snapshot must not land last
            write = self._autosave_job()
            if write is not None:
                try:
                    write()
                except api.TrimError:
                    pass  # the window is closing: nowhere to say it

    # -- File > Save Project / Open Project -----------------------------------------------
    def save(self) -> bool:
        """Ctrl+S: to the project file in use, else ask where."""
        return self.write(self.path) if self.path else self.save_as()

    def save_as(self) -> bool:
        s = self.win.session
        if s.summary is None or not s.path:
            self.win.show_error("Summarize a video first, then save it as a project.")
            return False
        suggested = self.path or str(Path(s.path).with_suffix(api.PROJECT_SUFFIX))
        out = dialogs.ask_project_save_path(self.win, suggested)
        return self.write(os.path.abspath(out)) if out else False

    def write(self, out: str) -> bool:
        s = self.win.session
        try:
            ident = self.identity or api.video_identity(s.path)
            api.save_project(self._snapshot(ident), out)
        except api.TrimError as err:
            self.win.show_error(str(err))
            return False
        self.path = out
        self._remember(out)
        self.win.notify(f"Project saved: {Path(out).name}", 6000)
        return True

    def _remember(self, path: str) -> None:
        """A saved or opened project goes to File > Open Recent (it opens as a project)."""
        self.win.store.add_recent(path)
        self.win._fill_recent()

    def open_dialog(self) -> None:
        path = dialogs.ask_project_open_path(self.win, self.win.last_folder())
        if path:
            self.open_project(path)

    def open_project(self, path: str) -> bool:
        """Open the project at ``path``: its video, summary and edits, without training."""
        try:
            saved = api.load_project(path)
            video = api.locate_video(saved, path)
        except api.TrimError as err:
            self.win.show_error(str(err))
            return False
        self.win.open_video(video)
        if self.win.session.path != video:
            return False
        self._no_offer_gen = self.win.session.gen  # the project is what the user wants
        self._restore(saved, new_gen=False)
        self.path = os.path.abspath(path)
        self.identity = saved.video if self.identity is None else self.identity
        self._remember(self.path)
        return True

    def _restore(self, saved: api.Project, new_gen: bool) -> None:
        """Put ``saved`` on screen: its settings in the panel, its summary and edits in
        the session, then only the features are loaded (scores only if settings differ)."""
        win = self.win
        win.jobs.cancel(export=False)
        settings = saved.settings.replace(
            **{k: getattr(win.base_settings, k) for k in LOCAL_FIELDS}
        )
        win.base_settings = settings
        show_settings(win.panel, settings)
        save_choices(win.store, win.panel)
        model = settings.model_path
        win.model_label.setText(
            f"Model: {Path(model).name}" if model else "Model: trained on each video"
        )
        actions.show_model(win.actions_, model, settings.model_mode == "finetune")
        s = win.session
        s.restore(saved, settings, new_gen=new_gen)
        win.timeline.set_duration(s.summary.duration)
        win.timeline.set_scores(s.summary.timestamps, s.scores)
        if s.device:
            win.device_label.setText(f"Device: {s.device}")
        win.show_pieces()
        win.activity.idle("Summary restored")
        win.jobs.resume()
