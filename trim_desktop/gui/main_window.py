"""The main window: builds the player, timeline, weight panel and summary box and wires them.

State lives in a Qt-free :class:`core.session.Session` (one video: features, shots,
scores, summary, edits); :class:`jobs.JobRunner` runs its steps in worker threads (one
pipeline job and one export job at a time, restart on change) and says when something
changed; the window renders that. Menus and shortcuts are in :mod:`actions`. Heavy
modules (torch, the decoders) load inside jobs, never here, so the window appears at once.

The window's commands live in mixins, one job each: :mod:`opening` (open, recent, drop),
:mod:`exporting` (exports, cut lists, segments), :mod:`job_view` (progress and results),
:mod:`editing` (toggle, trim, split, undo); projects are :mod:`project_io`'s.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QLabel, QMainWindow, QMenu, QSplitter, QVBoxLayout, QWidget

from ..core import api
from . import actions, dialogs
from .editing import EditCommands
from .exporting import ExportCommands
from .job_view import JobViews, progress_text, shot_times
from .jobs import JobRunner
from .opening import RESOURCES, SAMPLE_VIDEO, OpenCommands, dropped_path
from .panels import ActivityBar, EditsButton, NoticeBar, SummaryBox, style_sheet
from .player import Player
from .preview import Preview
from .project_io import Projects
from .settings import Store, restore_choices, save_choices
from .timeline import Timeline
from .weights_panel import WeightsPanel

ICON = RESOURCES / "icon.png"
# (names the tests and scripts import from here)
__all__ = ["ICON", "SAMPLE_VIDEO", "MainWindow", "dropped_path", "progress_text", "shot_times"]


class MainWindow(OpenCommands, ExportCommands, JobViews, EditCommands, QMainWindow):
    summaryChanged = Signal()  # a new or edited Summary is on screen
    jobsIdle = Signal()  # no job runs any more

    def __init__(
        self,
        settings: Optional[api.SummarizeSettings] = None,
        store: Optional[Store] = None,
        warmup: bool = True,
    ) -> None:
        super().__init__()
        self.base_settings = settings or api.SummarizeSettings()
        self.store = store or Store()
        self.session = api.Session()
        self.jobs = JobRunner(self.session, self.current_settings, self)
        self.last_error: Optional[str] = None
        self._closing = False
        self._choice_moved = False  # a setting changed since the last undo step
        self.setWindowTitle("TRIM Desktop")
        if ICON.exists():
            self.setWindowIcon(QIcon(str(ICON)))
        self.setAcceptDrops(True)
        self.setStyleSheet(style_sheet(self.palette()))
        self._build_ui()
        self.projects = Projects(self)
        self.actions_ = actions.build(self)
        self.preview = Preview(
            self.player,
            self.selected_ranges,
            [self.preview_btn, self.actions_["preview"]],
            lambda text: self.notify(text, 4000),
            self,
        )
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        actions.build_menus(self, self.actions_, self.recent_menu)
        self._fill_recent()
        self._wire()
        restore_choices(self.store, self.panel, self.player, self)
        actions.set_export_mode(
            self.actions_,
            self.store.get_str("export/mode", "accurate", api.EXPORT_MODES),
            bool(self.store.get_bool("export/clips", False)),
        )
        self._update_actions()
        if warmup:
            # After the first paint: import torch & friends in the background.
            QTimer.singleShot(50, self._start_warmup)

    # -- the session's state, for the widgets and the tests ------------------------------
    path = property(lambda self: self.session.path)
    info = property(lambda self: self.session.info)
    features = property(lambda self: self.session.features)
    scores = property(lambda self: self.session.scores)
    summary = property(lambda self: self.session.summary)

    # ================================================================== construction
    def _build_ui(self) -> None:
        self.player = Player()
        self.timeline = Timeline()
        self.panel = WeightsPanel()
        self.box = SummaryBox()
        self.summarize_btn = self.box.summarize_btn  # laid out above the box
        self.summary_label, self.summary_detail = self.box.label, self.box.detail
        self.preview_btn, self.export_btn = self.box.preview_btn, self.box.export_btn
        self.reset_btn = EditsButton()  # "n manual changes - Reset"
        self.box.column.insertWidget(2, self.reset_btn)

        side = QFrame()
        side.setObjectName("side")
        sl = QVBoxLayout(side)
        sl.setContentsMargins(8, 10, 8, 8)
        sl.setSpacing(6)
        sl.addWidget(self.summarize_btn)
        sl.addWidget(self.box)
        sl.addWidget(self.panel, 1)
        self.panel.column.setContentsMargins(0, 0, 0, 0)
        side.setMinimumWidth(300)
        side.setMaximumWidth(420)

        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.player)
        tl_wrap = QWidget()
        tw = QVBoxLayout(tl_wrap)
        tw.setContentsMargins(6, 6, 6, 4)
        tw.addWidget(self.timeline)
        left.addWidget(tl_wrap)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 2)
        left.setChildrenCollapsible(False)
        left.setSizes([480, 280])
        self.left_split = left

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(side)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 0)
        split.setChildrenCollapsible(False)
        self.main_split = split

        self.activity = ActivityBar()
        self.notice = NoticeBar()
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(split, 1)
        cl.addWidget(self.notice)
        cl.addWidget(self.activity)
        self.setCentralWidget(central)

        sb = self.statusBar()
        self.device_label = QLabel("Device: …")
        self.backbone_label = QLabel("Backbone: —")
        self.cache_label = QLabel("Features: —")
        self.model_label = QLabel("Model: trained on each video")
        for w in (self.model_label, self.device_label, self.backbone_label, self.cache_label):
            sb.addPermanentWidget(w)
        self.resize(1200, 780)

    def _wire(self) -> None:
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_player_duration)
        self.player.errorOccurred.connect(self._on_player_error)
        self.timeline.seekRequested.connect(self._seek_from_timeline)
        self.timeline.toggleRequested.connect(self.toggle_shot)
        self.timeline.trimRequested.connect(self.trim_piece)
        self.summaryChanged.connect(self.projects.schedule)
        self.panel.weightsChanged.connect(self._on_choice)
        self.panel.budgetChanged.connect(self._on_choice)
        self.activity.cancel_btn.clicked.connect(self.cancel)
        self.summarize_btn.clicked.connect(self.summarize)
        self.preview_btn.toggled.connect(self.set_preview)
        self.export_btn.clicked.connect(self.export_summary)
        self.reset_btn.clicked.connect(self.reset_edits)
        j = self.jobs
        j.debounce.timeout.connect(self._record_choice)
        j.started.connect(self._on_job_started)
        j.progress.connect(self._on_progress)
        j.updated.connect(self._on_update)
        j.failed.connect(self._on_failed)
        j.cancelled.connect(self._on_cancelled)
        j.exported.connect(self._on_exported)
        j.stopped.connect(self._update_actions)
        j.idle.connect(self._on_idle)

    # ================================================================== settings
    def current_settings(self) -> api.SummarizeSettings:
        return self.base_settings.replace(
            **self.panel.train_overrides(), **self.panel.select_overrides()
        )

    def _on_choice(self, *_args) -> None:
        """A slider, preset or budget moved: save it and follow it (debounced)."""
        save_choices(self.store, self.panel)
        self._choice_moved = True
        self.jobs.changed()

    def _record_choice(self) -> None:
        """The user paused after moving settings: one undo step."""
        if self._choice_moved:
            self._choice_moved = False
            self.session.record(self.current_settings())
            self._update_actions()

    def save_settings(self) -> None:
        save_choices(self.store, self.panel, self.player, self)

    def last_folder(self) -> str:
        f = self.store.get_str("paths/last_folder", "")
        return f if f and os.path.isdir(f) else str(Path.home())

    # ================================================================== commands
    def summarize(self) -> None:
        if not self.session.path:
            self.open_dialog()
            if not self.session.path:
                return
        self.set_preview(False)
        self._record_choice()
        self.jobs.summarize()

    def cancel(self) -> None:
        """Esc / Cancel: stop whatever runs (pipeline and export); no restart."""
        if self.preview.on:
            self.set_preview(False)
        if not self.is_busy():
            return
        self.jobs.cancel()
        self.activity.busy("Cancelling…", None, None)
        self.activity.cancel_btn.setEnabled(False)

    def is_busy(self) -> bool:
        """True while a summarize / rescore / select or export job runs."""
        return self.jobs.is_busy()

    def use_model(self, path: Optional[str], mode: str = "as-is") -> bool:
        """Score with a trim-train model (``None``: back to training on each video).

        The file is checked at once so a wrong file is reported now, not after decoding.
        Its backbone becomes the one features are extracted with.
        """
        if path:
            try:
                model = api.load_model(path)
            except Exception as err:  # noqa: BLE001 - any failure is a message, not a crash
                self.show_error(str(err))
                return False
            self.base_settings = self.base_settings.replace(
                model_path=str(path), model_mode=mode, backbone=model.backbone
            )
            self.model_label.setText(
                f"Model: {Path(path).name}"
                + (" (fine-tuned per video)" if mode == "finetune" else "")
            )
        else:
            self.base_settings = self.base_settings.replace(model_path=None)
            self.model_label.setText("Model: trained on each video")
        actions.show_model(self.actions_, path, mode == "finetune")
        self.jobs.follow()  # rescores (or extracts for the model's backbone) if run before
        return True

    def choose_model(self) -> None:
        path = dialogs.ask_model_path(self, self.last_folder())
        if path:
            self.use_model(path, "as-is")

    def set_model_finetune(self, finetune: bool) -> None:
        if self.base_settings.model_path:
            self.use_model(self.base_settings.model_path, "finetune" if finetune else "as-is")

    # ================================================================== the summary
    def selected_ranges(self) -> list[tuple[float, float]]:
        return self.session.selected_ranges()

    # ================================================================== preview
    def set_preview(self, on: bool) -> None:
        self.preview.set(on, allowed=self.session.path is not None)

    def preview_target(self, t: float) -> Optional[float]:
        return self.preview.target(t)

    def _on_position(self, t: float) -> None:
        self.timeline.set_position(t)
        self.preview.position(t)

    def _seek_from_timeline(self, t: float) -> None:
        self.player.seek_to(t)
        self.timeline.set_position(t)

    # ================================================================== misc
    def _start_warmup(self) -> None:
        if self._closing:
            return
        pref = self.base_settings.device

        def fn(progress, cancel):
            try:
                label = api.device_label(pref)
            except Exception as err:  # noqa: BLE001
                label = f"unavailable ({err})"
            return label

        job = self.jobs.start("warmup", fn)
        job.finished.connect(self._on_warm)
        job.failed.connect(lambda msg, det, user: self.device_label.setText("Device: ?"))

    def _on_warm(self, label: str) -> None:
        if self._closing:
            return
        if self.session.device is None:
            self.device_label.setText(f"Device: {label}")

    def _update_actions(self) -> None:
        has_video = self.session.path is not None
        summarizing = self.jobs.summarizing()
        has_summary = bool(self.selected_ranges())
        exporting = self.jobs.exporting()
        actions.refresh(
            self.actions_,
            has_video=has_video,
            summarizing=summarizing,
            has_summary=has_summary,
            exporting=exporting,
            can_cancel=self.is_busy() or self.preview.on,
        )
        s = self.session
        actions.refresh_edits(
            self.actions_,
            s.history.can_undo,
            s.history.can_redo,
            s.edited_pieces() > 0,
            s.summary is not None,
        )
        self.reset_btn.show_count(s.edited_pieces())
        self.box.show_state(
            has_video, summarizing, has_summary, self.session.summary is not None, exporting
        )

    def notify(self, text: str, ms: int = 6000) -> None:
        """A message for the user: in the status bar when it fits there whole, else in
        the notice bar above the activity bar (never cut mid-word)."""
        sb = self.statusBar()
        room = (
            sb.width()
            - sum(
                w.width() + 8
                for w in (
                    self.model_label,
                    self.device_label,
                    self.backbone_label,
                    self.cache_label,
                )
                if w.isVisible()
            )
            - 24
        )
        if sb.fontMetrics().horizontalAdvance(text) <= room:
            sb.showMessage(text, ms)
        else:
            sb.clearMessage()
            self.notice.show_text(text)

    def message_text(self) -> str:
        """The message on screen now: the status bar's or the notice bar's."""
        return self.statusBar().currentMessage() or self.notice.text()

    def changeEvent(self, ev) -> None:  # noqa: N802
        if ev.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            from PySide6.QtWidgets import QApplication

            self.setStyleSheet(style_sheet(QApplication.palette()))  # the system's theme
        super().changeEvent(ev)

    def show_error(self, text: str, details: Optional[str] = None) -> None:
        """Every error dialog goes through here (and dialogs.show_error)."""
        self.last_error = text
        if self._closing:
            return
        dialogs.show_error(self, text, details)

    def closeEvent(self, ev) -> None:  # noqa: N802
        """Close at once; running jobs are cancelled and end behind the closed window
        (jobs.wait_behind: the application waits for them when it quits)."""
        self.save_settings()
        self.projects.flush()
        self._closing = True
        self.player.stop_soon()
        self.timeline.thumbs.shutdown()
        self.jobs.shutdown(wait=False)
        super().closeEvent(ev)
