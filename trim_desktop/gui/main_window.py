"""The main window: builds the player, timeline, weight panel and summary box and wires them.

State lives in a Qt-free :class:`core.session.Session` (one video: features, shots,
scores, summary, edits); :class:`jobs.JobRunner` runs its steps in worker threads (one
pipeline job and one export job at a time, restart on change) and says when something
changed; the window renders that. Menus and shortcuts are in :mod:`actions`. Heavy
modules (torch, the decoders) load inside jobs, never here, so the window appears at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Optional

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QIcon
from PySide6.QtWidgets import QFrame, QLabel, QMainWindow, QMenu, QSplitter, QVBoxLayout, QWidget

from ..core import api
from . import actions, dialogs
from .editing import EditCommands
from .jobs import Job, JobRunner
from .panels import STAGE_TEXT, ActivityBar, EditsButton, NoticeBar, SummaryBox, style_sheet
from .player import Player, fmt_time
from .preview import Preview
from .project_io import Projects
from .settings import Store, restore_choices, save_choices
from .timeline import Timeline
from .weights_panel import WeightsPanel

ROOT = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))
RESOURCES = ROOT / "resources"
SAMPLE_VIDEO = RESOURCES / "sample.mp4"
ICON = RESOURCES / "icon.png"


class MainWindow(EditCommands, QMainWindow):
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

    # ================================================================== opening
    def open_dialog(self) -> None:
        path = dialogs.ask_open_path(self, self.last_folder())
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
        out = ask(self, os.path.join(folder, f"{Path(s.path).stem}{suffix}"))
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

    # ================================================================== job results
    def _on_job_started(self, job: Job) -> None:
        if job.name == "summarize":
            self.activity.busy(STAGE_TEXT["features"], None, None)
        elif job.name == "rescore":
            self.activity.busy("Re-training with the new weights", None, None)
        elif job.name == "export":
            self.activity.busy(STAGE_TEXT["export"], 0.0, None)
        self._update_actions()

    def _on_progress(self, job: Job, p: api.Progress) -> None:
        feats = self.session.features
        if (
            p.stage in ("stage1", "stage2")
            and isinstance(p.payload, np.ndarray)
            and feats is not None
            and len(p.payload) == len(feats.timestamps)
        ):
            self.timeline.set_scores(feats.timestamps, p.payload)  # the curve, live
        if job.name == "probe":
            return
        text = progress_text(job.name, p)
        frac = job.eta.fraction(p)
        if frac is None:
            frac = p.fraction if p.total > 0 else None
        self.activity.busy(text, frac, job.eta.eta(p))

    def _on_update(self, update: api.Update) -> None:
        s = self.session
        if isinstance(update, api.Extracted):
            feats = update.features  # (the session's now)
            self.player.set_fps(feats.info.fps)
            self.panel.set_duration(feats.info.duration)
            self.timeline.set_duration(feats.info.duration)
            if s.scores is None:
                self.timeline.set_scores(feats.timestamps, np.zeros(len(feats.timestamps)))
            if s.summary is None:
                self.timeline.set_shots(shot_times(feats, s.shots))
            self.backbone_label.setText(f"Backbone: {feats.backbone}")
            self.cache_label.setText(
                "Features: from cache" if feats.from_cache else "Features: computed"
            )
            if update.keep_scores:
                self.activity.idle("Summary restored")
            return
        if isinstance(update, api.Scored):
            if s.features is not None:  # (always, once scored)
                self.timeline.set_scores(s.features.timestamps, update.scores)
            self.device_label.setText(f"Device: {s.device}")
        self.timeline.set_summary(s.summary)
        self._show_summary_text()
        self.activity.idle("Summary ready")
        msgs = [str(m) for m in update.messages if m]
        if msgs:
            self.notify("  ".join(msgs), 15000)

    def _on_failed(self, msg: str, details: str, user: bool) -> None:
        self.activity.idle("Failed")
        self.show_error(msg if user else f"Something went wrong: {msg}", None if user else details)

    def _on_cancelled(self, text: str) -> None:
        """One consistent state after Cancel: the curve goes back to the scores the
        summary on screen was chosen from (a cancelled training drew its own)."""
        s = self.session
        if s.features is not None:
            scores = s.scores if s.scores is not None else np.zeros(len(s.features.timestamps))
            self.timeline.set_scores(s.features.timestamps, scores)
        if s.summary is not None and "Training" in text:
            text += " — the summary is still the one from before"
        self.activity.idle(text)

    def _on_exported(self, out: str) -> None:
        self.activity.idle(f"Exported {Path(out).name}")
        action = dialogs.export_done(self, out)
        if action == "play":
            QDesktopServices.openUrl(QUrl.fromLocalFile(out))
        elif action == "folder":  # a clips folder itself, else the file's folder
            folder = out if os.path.isdir(out) else str(Path(out).parent)
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))

    def _on_idle(self) -> None:
        self._update_actions()
        self.jobsIdle.emit()

    # ================================================================== the summary
    def _show_summary_text(self) -> None:
        self.box.show_summary(self.session.summary, self.session.budget_seconds())
        self._update_actions()
        self.summaryChanged.emit()

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

    def export_contact_sheet(self) -> None:
        """File > Export Contact Sheet: a PNG grid of the summary's pieces with times."""
        target = self._export_target("contact sheet", dialogs.ask_sheet_path, "_sheet.png")
        if target is None:
            return
        src, ranges, out = target
        job = self.jobs.start(
            "sheet", lambda progress, cancel: api.export_contact_sheet(src, ranges, out)
        )
        job.finished.connect(lambda path: self.notify(f"Contact sheet saved: {path}", 8000))
        job.failed.connect(
            lambda msg, det, user: self.show_error(f"The contact sheet was not saved: {msg}")
        )

    def export_cutlist(self) -> None:
        """File > Export Cut List: the kept pieces for another program; the file
        dialog's filter (or the typed ending) picks the format."""
        formats = api.cutlist_formats()

        def ask(parent, suggested: str) -> str:
            return dialogs.ask_cutlist_path(parent, suggested, formats)

        target = self._export_target("cut list", ask, "_summary.edl")
        if target is None:
            return
        src, ranges, out = target
        job = self.jobs.start(
            "cutlist", lambda progress, cancel: api.export_cutlist(src, ranges, out)
        )
        job.finished.connect(lambda path: self.notify(f"Cut list saved: {path}", 8000))
        job.failed.connect(
            lambda msg, det, user: self.show_error(f"The cut list was not saved: {msg}")
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
            self, folder if os.path.isdir(folder) else str(Path(s.path).parent)
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


def progress_text(job: str, p: api.Progress) -> str:
    """What the activity bar says: the stage in words, and for a retrain after a slider
    move what it is doing and how far (not only "Scoring moments (2 of 2)")."""
    text = STAGE_TEXT.get(p.stage, p.stage.capitalize())
    if job == "rescore" and p.stage in ("stage1", "stage2"):
        what = "learning the video" if p.stage == "stage1" else "scoring moments"
        text = f"Re-training for the new weights: {what}"
        if p.total > 0:
            text += f", step {int(p.done)} of {int(p.total)}"
    elif p.message:
        text = f"{text} — {p.message}"
    return text


def dropped_path(mime) -> Optional[str]:
    """The first local file among dropped URLs."""
    if mime is None or not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and os.path.isfile(url.toLocalFile()):
            return url.toLocalFile()
    return None


def shot_times(feats, shots) -> np.ndarray:
    """(start, end) seconds of each shot before a summary exists (the strip under the curve)."""
    ts = np.asarray(feats.timestamps, dtype=np.float64)
    dur = float(feats.info.duration)
    out = []
    for a, b in np.asarray(shots).reshape(-1, 2):
        start = ts[a]
        end = ts[b + 1] if b + 1 < len(ts) else dur
        out.append((0.0 if a == 0 else start, end))
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)
