"""The main window: player, timeline, weight panel, and the jobs that drive the pipeline.

Threading: every call into ``core.pipeline`` runs in a :class:`workers.Job` (one QThread
each). The GUI thread only reacts to their signals. At most one *pipeline* job
(summarize / rescore / select) and one export job run at a time; a settings change while
a pipeline job runs cancels it and restarts with the new settings when it has stopped.
Heavy modules (torch, core.train, core.features) are imported inside the jobs, never at
window construction, so the window appears at once.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QIcon, QKeySequence
from PySide6.QtWidgets import (QFrame, QGroupBox, QHBoxLayout, QLabel, QMainWindow, QMenu,
                               QProgressBar, QPushButton, QSizePolicy, QSplitter, QStyle,
                               QToolBar, QVBoxLayout, QWidget)

from ..core import pipeline
from ..core.pipeline import SummarizeSettings
from ..core.progress import EtaEstimator, Progress
from . import dialogs
from .player import Player, fmt_time
from .settings import Store
from .timeline import SELECTED, Timeline
from .weights_panel import PARAMS, WeightsPanel
from .workers import Job

ROOT = Path(getattr(sys, "_MEIPASS", Path(__file__).resolve().parents[2]))
RESOURCES = ROOT / "resources"
SAMPLE_VIDEO = RESOURCES / "sample.mp4"
ICON = RESOURCES / "icon.png"

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
_READY = "_features_ready"  # private progress stage: features + shots reached the GUI

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


class MainWindow(QMainWindow):
    summaryChanged = Signal()       # a new or edited Summary is on screen
    jobsIdle = Signal()             # no job runs any more

    def __init__(self, settings: Optional[SummarizeSettings] = None,
                 store: Optional[Store] = None, warmup: bool = True) -> None:
        super().__init__()
        self.base_settings = settings or SummarizeSettings()
        self.store = store or Store()
        self.setWindowTitle("TRIM Desktop")
        if ICON.exists():
            self.setWindowIcon(QIcon(str(ICON)))
        self.setAcceptDrops(True)
        self.setStyleSheet(STYLE)

        # Video state
        self.path: Optional[str] = None
        self.info = None
        self.features = None
        self.shots: Optional[np.ndarray] = None
        self.scores: Optional[np.ndarray] = None
        self.summary = None
        self.result = None
        self._gen = 0                     # bumps on every open: stale job results are ignored
        self._summary_budget: Optional[float] = None

        # Jobs
        self._jobs: set[Job] = set()
        self._job: Optional[Job] = None          # summarize / rescore / select
        self._export_job: Optional[Job] = None
        self._pending: Optional[str] = None      # "train" | "select" after the current job
        self._user_cancelled = False
        self._closing = False
        self._eta = EtaEstimator()
        self.last_error: Optional[str] = None

        # Preview
        self._previewing = False
        self._preview_jump: Optional[float] = None

        self._build_ui()
        self._build_actions()
        self._restore_settings()

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(300)
        self._debounce.timeout.connect(self._apply_changes)
        self._need_train = False
        self._need_select = False

        self._update_actions()
        if warmup:
            # After the first paint: import torch & friends in the background.
            QTimer.singleShot(50, self._start_warmup)

    # ================================================================== UI construction
    def _build_ui(self) -> None:
        self.player = Player()
        self.timeline = Timeline()
        self.panel = WeightsPanel()

        # Summary box (length against budget, preview, export) goes into the side panel.
        self.summarize_btn = QPushButton("Summarize")
        self.summarize_btn.setObjectName("primary")
        self.summarize_btn.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.summarize_btn.setToolTip("Find the important moments (Ctrl+R)")
        self.summarize_btn.setMinimumHeight(38)
        self.summary_label = QLabel("No summary yet")
        self.summary_label.setObjectName("summaryLabel")
        self.summary_detail = QLabel("Open a video and press Summarize.")
        self.summary_detail.setProperty("hint", True)
        self.summary_detail.setWordWrap(True)
        self.preview_btn = QPushButton("Preview")
        self.preview_btn.setCheckable(True)
        self.preview_btn.setToolTip("Play only the selected shots (P)")
        self.export_btn = QPushButton("Export…")
        self.export_btn.setToolTip("Save the summary as an MP4 video (Ctrl+E)")
        for b in (self.preview_btn, self.export_btn):
            b.setMinimumHeight(30)
        box = QGroupBox("Summary")
        bl = QVBoxLayout(box)
        bl.addWidget(self.summary_label)
        bl.addWidget(self.summary_detail)
        row = QHBoxLayout()
        row.addWidget(self.preview_btn)
        row.addWidget(self.export_btn)
        bl.addLayout(row)

        side = QFrame()
        side.setObjectName("side")
        sl = QVBoxLayout(side)
        sl.setContentsMargins(8, 10, 8, 8)
        sl.setSpacing(6)
        sl.addWidget(self.summarize_btn)
        sl.addWidget(box)
        sl.addWidget(self.panel, 1)
        self.panel.layout().setContentsMargins(0, 0, 0, 0)
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
        central = QWidget()
        cl = QVBoxLayout(central)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(split, 1)
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

        # wiring
        self.player.positionChanged.connect(self._on_position)
        self.player.durationChanged.connect(self._on_player_duration)
        self.player.errorOccurred.connect(self._on_player_error)
        self.player.playingChanged.connect(self._on_playing)
        self.timeline.seekRequested.connect(self._seek_from_timeline)
        self.timeline.toggleRequested.connect(self.toggle_shot)
        self.panel.weightsChanged.connect(self._on_weights_changed)
        self.panel.budgetChanged.connect(self._on_budget_changed)
        self.activity.cancel_btn.clicked.connect(self.cancel)
        self.summarize_btn.clicked.connect(self.summarize)
        self.preview_btn.toggled.connect(self._on_preview_button)
        self.export_btn.clicked.connect(self.export_summary)

    def _build_actions(self) -> None:
        st = self.style()
        A = self.actions_ = {}

        def act(key, text, shortcut=None, slot=None, icon=None, checkable=False, tip=None):
            a = QAction(text, self)
            if shortcut:
                a.setShortcut(QKeySequence(shortcut))
            if icon is not None:
                a.setIcon(st.standardIcon(icon))
            a.setCheckable(checkable)
            if tip:
                a.setToolTip(tip)
            if slot:
                a.triggered.connect(slot)
            self.addAction(a)   # shortcuts work even when the menu bar is hidden
            A[key] = a
            return a

        SP = QStyle.StandardPixmap
        act("open", "&Open Video…", "Ctrl+O", self.open_dialog, SP.SP_DialogOpenButton,
            tip="Open a video (Ctrl+O)")
        act("sample", "Open &Sample Video", None, self.open_sample)
        act("export", "&Export Summary…", "Ctrl+E", self.export_summary, SP.SP_DialogSaveButton,
            tip="Save the summary as an MP4 (Ctrl+E)")
        act("quit", "&Quit", "Ctrl+Q", self.close)
        act("summarize", "&Summarize", "Ctrl+R", self.summarize, SP.SP_BrowserReload,
            tip="Find the important moments (Ctrl+R)")
        act("preview", "&Preview Summary", "P", None, SP.SP_MediaSeekForward, checkable=True,
            tip="Play only the selected shots (P)")
        A["preview"].toggled.connect(self.set_preview)
        act("cancel", "&Cancel", "Esc", self.cancel, SP.SP_BrowserStop, tip="Cancel (Esc)")
        act("play", "&Play / Pause", "Space", self.player.toggle_play)
        act("frame_back", "Frame &Back", "Left", lambda: self.player.step_frames(-1))
        act("frame_fwd", "Frame &Forward", "Right", lambda: self.player.step_frames(1))
        act("back5", "Back 5 s", "Shift+Left", lambda: self.player.jump(-5.0))
        act("fwd5", "Forward 5 s", "Shift+Right", lambda: self.player.jump(5.0))
        act("model", "Use Trained &Model…", None, self.choose_model,
            tip="Score with a model made by trim-train instead of training on each video")
        act("model_finetune", "Fine-tune the Model on Each Video", None, None, checkable=True)
        A["model_finetune"].toggled.connect(self._on_model_mode)
        act("model_clear", "Stop Using the Model", None, lambda: self.use_model(None))
        act("shortcuts", "&Keyboard Shortcuts", "F1", lambda: dialogs.show_shortcuts(self))
        act("about", "&About TRIM Desktop", None, self._about)

        mb = self.menuBar()
        m = mb.addMenu("&File")
        m.addAction(A["open"])
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        m.addMenu(self.recent_menu)
        m.addAction(A["sample"])
        m.addSeparator()
        m.addAction(A["export"])
        m.addSeparator()
        m.addAction(A["quit"])
        m = mb.addMenu("&Summary")
        for k in ("summarize", "preview", "cancel"):
            m.addAction(A[k])
        m.addSeparator()
        for k in ("model", "model_finetune", "model_clear"):
            m.addAction(A[k])
        A["model_finetune"].setEnabled(False)
        A["model_clear"].setEnabled(False)
        m = mb.addMenu("&Playback")
        for k in ("play", "frame_back", "frame_fwd", "back5", "fwd5"):
            m.addAction(A[k])
        m = mb.addMenu("&Help")
        m.addAction(A["shortcuts"])
        m.addAction(A["about"])
        self._fill_recent()

        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.setMovable(False)
        tb.setIconSize(QSize(18, 18))
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for k in ("open", "summarize", "preview", "export", "cancel"):
            tb.addAction(A[k])
        self.addToolBar(tb)

    # ================================================================== settings
    def _restore_settings(self) -> None:
        s = self.store
        geo = s.get_bytes("ui/geometry")
        if geo is not None:
            try:
                self.restoreGeometry(geo)
            except Exception:  # noqa: BLE001
                pass
        vals = {name: s.get_float(f"weights/{name}", None, 0.0, spec[3])
                for name, spec in PARAMS.items()}
        vals["stage1"] = s.get_bool("weights/stage1", None)
        vals["custom"] = bool(s.get_bool("weights/custom", False)) and all(
            vals[k] is not None for k in PARAMS)
        if not vals["custom"]:
            vals = {"stage1": None}
        vals["preset"] = s.get_str("weights/preset", "auto")
        vals["budget"] = s.get_float("summary/budget", 0.15, 0.05, 0.5)
        self.panel.set_values(vals)
        vol = s.get_float("player/volume", 80.0, 0.0, 100.0)
        self.player.volume.setValue(int(vol))

    def save_settings(self) -> None:
        s = self.store
        v = self.panel.values()
        s.set("weights/preset", v["preset"])
        s.set("weights/custom", self.panel.custom)
        for name in PARAMS:
            s.set(f"weights/{name}", float(v[name]))
        s.set("weights/stage1", bool(v["stage1"]))
        s.set("summary/budget", float(v["budget"]))
        s.set("player/volume", int(self.player.volume.value()))
        s.set("ui/geometry", self.saveGeometry())
        s.sync()

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
            self.show_error("The sample video is not installed "
                            f"(expected {SAMPLE_VIDEO}).")
            return
        self.open_video(str(SAMPLE_VIDEO))

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        files = self.store.recent_files()
        for p in files:
            a = self.recent_menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.setStatusTip(p)
            a.triggered.connect(lambda _=False, p=p: self.open_video(p))
        if not files:
            a = self.recent_menu.addAction("(none)")
            a.setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)

    def _clear_recent(self) -> None:
        self.store.clear_recent()
        self._fill_recent()

    def open_video(self, path: str) -> None:
        """Open ``path`` in the player and check it in the background (core.decode.probe)."""
        path = os.path.abspath(os.fspath(path))
        if not os.path.isfile(path):
            self.show_error(f"Cannot open '{Path(path).name}': the file does not exist.")
            self._drop_recent(path)
            return
        self._reset_video()
        self.path = path
        self._gen += 1
        self.setWindowTitle(f"{Path(path).name} — TRIM Desktop")
        self.store.set("paths/last_folder", str(Path(path).parent))
        self.store.add_recent(path)
        self._fill_recent()
        self.player.open(path)
        self.summary_detail.setText("Press Summarize to find the important moments.")
        gen = self._gen

        def fn(progress, cancel):
            from ..core.decode import probe
            return probe(path)

        job = self._launch("probe", fn)
        job.finished.connect(lambda info, gen=gen: self._on_probed(gen, info))
        job.failed.connect(lambda msg, det, user, gen=gen: self._on_open_failed(gen, msg, det, user))
        self._update_actions()

    def _drop_recent(self, path: str) -> None:
        files = [p for p in self.store.recent_files() if p != path]
        self.store.set("recent/files", files)
        self._fill_recent()

    def _reset_video(self) -> None:
        self._cancel_pipeline(user=True)
        self.set_preview(False)
        self.path = None
        self.info = self.features = self.shots = self.scores = self.summary = self.result = None
        self._summary_budget = None
        self.timeline.clear()
        self.player.close_media()
        self.panel.set_duration(None)
        self.summary_label.setText("No summary yet")
        self.summary_detail.setText("Open a video and press Summarize.")
        self.backbone_label.setText("Backbone: —")
        self.cache_label.setText("Features: —")
        self.setWindowTitle("TRIM Desktop")

    def _on_probed(self, gen: int, info) -> None:
        if gen != self._gen:
            return
        self.info = info
        self.player.set_fps(info.fps)
        if self.timeline.duration <= 0:
            self.timeline.set_duration(info.duration)
        self.panel.set_duration(info.duration)
        self.statusBar().showMessage(
            f"{Path(info.path).name}: {fmt_time(info.duration)}, {info.width}×{info.height}, "
            f"{info.fps:.3g} fps{'' if info.has_audio else ', no sound'}", 8000)

    def _on_open_failed(self, gen: int, msg: str, details: str, user: bool) -> None:
        if gen != self._gen:
            return
        self._reset_video()
        self._update_actions()
        self.show_error(msg if user else f"Cannot open this video: {msg}",
                        None if user else details)

    def _on_player_duration(self, seconds: float) -> None:
        if seconds > 0 and self.features is None:
            self.timeline.set_duration(seconds)

    def _on_player_error(self, text: str) -> None:
        if self.path:
            self.statusBar().showMessage(f"Playback problem: {text}", 10000)

    # ================================================================== jobs
    def _launch(self, name: str, fn, pipeline_job: bool = False, export_job: bool = False) -> Job:
        job = Job(name, fn)
        job.gen = self._gen
        self._jobs.add(job)
        job.progress.connect(lambda p, job=job: self._on_progress(job, p))
        job.done.connect(lambda job=job: self._on_job_done(job))
        if pipeline_job:
            self._job = job
            self._eta = EtaEstimator()
        if export_job:
            self._export_job = job
            self._export_eta = EtaEstimator()
        job.start()
        return job

    def is_busy(self) -> bool:
        """True while a summarize / rescore / select or export job runs."""
        return any(j is not None and j.running for j in (self._job, self._export_job))

    def _on_job_done(self, job: Job) -> None:
        self._jobs.discard(job)
        if self._closing:
            return
        was_pipeline = job is self._job
        if was_pipeline:
            self._job = None
        if job is self._export_job:
            self._export_job = None
        if was_pipeline and job.gen == self._gen:
            pending, self._pending = self._pending, None
            if self._user_cancelled:
                pending = None
            if pending == "train":
                self._start_rescore()
            elif pending == "select":
                self._start_select()
            elif self.summary is not None and self.scores is not None and \
                    self._summary_budget is not None and \
                    abs(self._summary_budget - self.panel.budget_fraction()) > 1e-9:
                self._start_select()   # the budget moved while training ran
        if not self.is_busy():
            self._user_cancelled = False
            self._update_actions()
            self.jobsIdle.emit()
        else:
            self._update_actions()

    def _on_progress(self, job: Job, p: Progress) -> None:
        if self._closing or job.gen != self._gen and job.name != "export":
            return
        if p.stage == _READY:
            feats, shots = p.payload
            self._features_ready(feats, shots)
            return
        if p.stage in ("stage1", "stage2") and isinstance(p.payload, np.ndarray) \
                and self.features is not None and len(p.payload) == len(self.features.timestamps):
            self.timeline.set_scores(self.features.timestamps, p.payload)
        if job.name == "probe":
            return
        if job is self._export_job and self._job is not None and self._job.running:
            pass  # both run: show the export (the one the user waits on)
        eta = (self._export_eta if job is self._export_job else self._eta).eta(p)
        text = STAGE_TEXT.get(p.stage, p.stage.capitalize())
        if p.message:
            text = f"{text} — {p.message}"
        self.activity.busy(text, p.fraction if p.total > 0 else None, eta)

    def cancel(self) -> None:
        """Esc / Cancel: stop whatever runs (pipeline and export); no restart."""
        if self._previewing:
            self.set_preview(False)
        if not self.is_busy():
            return
        self._cancel_pipeline(user=True)
        if self._export_job is not None:
            self._export_job.cancel()
        self.activity.busy("Cancelling…", None, None)
        self.activity.cancel_btn.setEnabled(False)

    def _cancel_pipeline(self, user: bool) -> None:
        self._debounce.stop() if hasattr(self, "_debounce") else None
        if user:
            self._pending = None
            if hasattr(self, "_need_train"):
                self._need_train = self._need_select = False
        if self._job is not None and self._job.running:
            if user:
                self._user_cancelled = True
            self._job.cancel()

    # ------------------------------------------------------------------ trained model
    def use_model(self, path: Optional[str], mode: str = "as-is") -> bool:
        """Score with a trim-train model (``None``: back to training on each video).

        The file is checked at once so a wrong file is reported now, not after decoding.
        Its backbone becomes the one features are extracted with.
        """
        if path:
            try:
                from ..research.modelfile import load_model
                model = load_model(path)
            except Exception as err:  # noqa: BLE001 - any failure is a message, not a crash
                self.show_error(str(err))
                return False
            self.base_settings = self.base_settings.replace(
                model_path=str(path), model_mode=mode, backbone=model.backbone)
            self.model_label.setText(f"Model: {Path(path).name}"
                                     + (" (fine-tuned per video)" if mode == "finetune" else ""))
        else:
            self.base_settings = self.base_settings.replace(model_path=None)
            self.model_label.setText("Model: trained on each video")
        A = self.actions_
        A["model_finetune"].blockSignals(True)
        A["model_finetune"].setChecked(bool(path) and mode == "finetune")
        A["model_finetune"].blockSignals(False)
        A["model_finetune"].setEnabled(bool(path))
        A["model_clear"].setEnabled(bool(path))
        if self.result is not None:
            self.summarize()  # the model may need another backbone's features: full run (cached)
        return True

    def choose_model(self) -> None:
        path = dialogs.ask_model_path(self, self.last_folder())
        if path:
            self.use_model(path, "as-is")

    def _on_model_mode(self, finetune: bool) -> None:
        if self.base_settings.model_path:
            self.use_model(self.base_settings.model_path, "finetune" if finetune else "as-is")

    # ------------------------------------------------------------------ summarize
    def current_settings(self) -> SummarizeSettings:
        return self.base_settings.replace(**self.panel.train_overrides(),
                                          budget=self.panel.budget_fraction())

    def summarize(self) -> None:
        if not self.path:
            self.open_dialog()
            if not self.path:
                return
        if self._job is not None and self._job.running:
            if self._job.name == "summarize":
                return
            self._cancel_pipeline(user=False)
            self._pending = None
            # Start as soon as the old job stops.
            self._job.done.connect(self.summarize)
            return
        self.set_preview(False)
        self._user_cancelled = False
        self._need_train = self._need_select = False
        path, settings, gen = self.path, self.current_settings(), self._gen

        def fn(progress, cancel):
            messages: list = []
            feats = pipeline.extract(path, settings, progress, cancel, messages)
            cancel.raise_if_cancelled()
            shots = pipeline.shots_for(feats, settings, progress, cancel)
            progress(Progress(_READY, 1, 1, payload=(feats, shots)))
            cancel.raise_if_cancelled()
            return pipeline.rescore(feats, settings, shots=shots, progress=progress,
                                    cancel=cancel, messages=messages)

        job = self._launch("summarize", fn, pipeline_job=True)
        job.finished.connect(lambda r, gen=gen, b=settings.budget: self._on_result(gen, r, b))
        job.failed.connect(self._on_failed)
        job.cancelled.connect(lambda: self._on_cancelled("Summarize cancelled"))
        self.activity.busy(STAGE_TEXT["features"], None, None)
        self._update_actions()

    def _features_ready(self, feats, shots) -> None:
        self.features, self.shots = feats, np.asarray(shots)
        self.info = feats.info
        self.player.set_fps(feats.info.fps)
        self.panel.set_duration(feats.info.duration)
        self.timeline.set_duration(feats.info.duration)
        if self.scores is None:
            self.timeline.set_scores(feats.timestamps, np.zeros(len(feats.timestamps)))
        if self.summary is None:
            self.timeline.set_shots(self._shot_times(feats, self.shots))
        self.backbone_label.setText(f"Backbone: {feats.backbone}")
        self.cache_label.setText("Features: from cache" if feats.from_cache
                                 else "Features: computed")

    @staticmethod
    def _shot_times(feats, shots) -> np.ndarray:
        ts = np.asarray(feats.timestamps, dtype=np.float64)
        dur = float(feats.info.duration)
        out = []
        for a, b in np.asarray(shots).reshape(-1, 2):
            start = ts[a]
            end = ts[b + 1] if b + 1 < len(ts) else dur
            out.append((0.0 if a == 0 else start, end))
        return np.asarray(out, dtype=np.float64).reshape(-1, 2)

    def _on_result(self, gen: int, result, budget: float) -> None:
        if gen != self._gen or self._closing:
            return
        self.result = result
        if self.features is None or self.features is not result.features:
            self._features_ready(result.features, result.shots)
        self.scores = np.asarray(result.scores)
        self.timeline.set_scores(self.features.timestamps, self.scores)
        self.device_label.setText(f"Device: {result.device}")
        self._set_summary(result.summary, budget)
        msgs = [m for m in (result.messages or []) if m]
        self.activity.idle("Summary ready")
        if msgs:
            self.statusBar().showMessage("  ".join(str(m) for m in msgs), 15000)

    def _on_failed(self, msg: str, details: str, user: bool) -> None:
        if self._closing:
            return
        self.activity.idle("Failed")
        if user:
            self.show_error(msg)
        else:
            self.show_error(f"Something went wrong: {msg}", details)

    def _on_cancelled(self, text: str) -> None:
        if self._closing:
            return
        if self._user_cancelled or not self._pending:
            self.activity.idle(text)

    # ------------------------------------------------------------------ rescore / select
    def _on_weights_changed(self) -> None:
        self.save_settings_quietly()
        if self.features is None and not (self._job and self._job.running):
            return
        self._need_train = True
        self._debounce.start()

    def _on_budget_changed(self, _fraction: float) -> None:
        self.save_settings_quietly()
        if self.scores is None and not (self._job and self._job.running):
            return
        self._need_select = True
        self._debounce.start()

    def save_settings_quietly(self) -> None:
        try:
            v = self.panel.values()
            self.store.set("weights/preset", v["preset"])
            self.store.set("weights/custom", self.panel.custom)
            for name in PARAMS:
                self.store.set(f"weights/{name}", float(v[name]))
            self.store.set("weights/stage1", bool(v["stage1"]))
            self.store.set("summary/budget", float(v["budget"]))
        except Exception:  # noqa: BLE001 - settings are a convenience
            pass

    def _apply_changes(self) -> None:
        need_train, need_select = self._need_train, self._need_select
        self._need_train = self._need_select = False
        if need_train:
            self._request("train")
        elif need_select:
            self._request("select")

    def _request(self, kind: str) -> None:
        """Run ``kind`` now, or cancel the running pipeline job and run it afterwards."""
        job = self._job
        if job is not None and job.running:
            if self._pending != "train":
                self._pending = kind
            if kind == "train" and (self.features is not None or job.name != "summarize"):
                job.cancel()       # restart with the new settings
            # a summarize still extracting features: let it finish, then retrain
            return
        if kind == "train":
            self._start_rescore()
        else:
            self._start_select()

    def _start_rescore(self) -> None:
        if self.features is None or self.shots is None:
            return
        feats, shots, settings, gen = self.features, self.shots, self.current_settings(), self._gen

        def fn(progress, cancel):
            return pipeline.rescore(feats, settings, shots=shots, progress=progress,
                                    cancel=cancel)

        job = self._launch("rescore", fn, pipeline_job=True)
        job.finished.connect(lambda r, gen=gen, b=settings.budget: self._on_result(gen, r, b))
        job.failed.connect(self._on_failed)
        job.cancelled.connect(lambda: self._on_cancelled("Training cancelled"))
        self.activity.busy("Re-training with the new weights", None, None)
        self._update_actions()

    def _start_select(self) -> None:
        if self.features is None or self.scores is None or self.shots is None:
            return
        feats, scores, shots = self.features, self.scores, self.shots
        budget, gen = self.panel.budget_fraction(), self._gen

        def fn(progress, cancel):
            return pipeline.select(feats, scores, shots, budget)

        job = self._launch("select", fn, pipeline_job=True)
        job.finished.connect(lambda s, gen=gen, b=budget: self._on_selected(gen, s, b))
        job.failed.connect(self._on_failed)
        job.cancelled.connect(lambda: self._on_cancelled("Cancelled"))
        self._update_actions()

    def _on_selected(self, gen: int, summary, budget: float) -> None:
        if gen != self._gen or self._closing:
            return
        if self.result is not None:
            self.result.summary = summary
        self._set_summary(summary, budget)
        self.activity.idle("Summary ready")

    # ------------------------------------------------------------------ summary & touch-up
    def _set_summary(self, summary, budget: float) -> None:
        self.summary = summary
        self._summary_budget = budget
        segs = list(summary.segments)
        self.timeline.set_shots([(s.start_time, s.end_time) for s in segs],
                                [bool(s.selected) for s in segs])
        self._update_summary_label()
        self._update_actions()
        self.summaryChanged.emit()

    def toggle_shot(self, i: int) -> None:
        """Add shot ``i`` to the summary or drop it (Summary.toggle)."""
        if self.summary is None or not (0 <= i < len(self.summary.segments)):
            return
        out = self.summary.toggle(i)
        if out is not None and hasattr(out, "segments"):
            self.summary = out
            if self.result is not None:
                self.result.summary = out
        self.timeline.set_selected([bool(s.selected) for s in self.summary.segments])
        self._update_summary_label()
        self._update_actions()
        self.summaryChanged.emit()

    def budget_seconds(self) -> float:
        s = self.summary
        b = getattr(s, "budget_seconds", None)
        if b is None:
            dur = getattr(s, "duration", None) or (self.info.duration if self.info else 0.0)
            b = (self._summary_budget or self.panel.budget_fraction()) * dur
        return float(b)

    def _update_summary_label(self) -> None:
        s = self.summary
        if s is None:
            self.summary_label.setText("No summary yet")
            return
        length = float(s.selected_duration)
        budget = self.budget_seconds()
        n_sel, n = len(s.selected), len(s.segments)
        tenths = budget < 10.0     # short clips: whole seconds would say "0:01 of 0:01"
        self.summary_label.setText(f"Summary {fmt_time(length, tenths)} of "
                                   f"{fmt_time(budget, tenths)} budget")
        over = length > budget + 0.5
        self.summary_label.setStyleSheet("color:#b45309;" if over else "")
        if n_sel == 0 and n:
            self.summary_detail.setText("No shot fits the budget: raise the summary length, "
                                        "or click shot blocks under the curve to add them.")
            return
        self.summary_detail.setText(
            f"{n_sel} of {n} shots selected"
            + (" — longer than the budget" if over else "")
            + ". Click a shot block under the curve to add or drop it.")

    # ------------------------------------------------------------------ preview
    def selected_ranges(self) -> list[tuple[float, float]]:
        if self.summary is None:
            return []
        return [(float(s.start_time), float(s.end_time)) for s in self.summary.selected]

    def _on_preview_button(self, on: bool) -> None:
        self.set_preview(on)

    def set_preview(self, on: bool) -> None:
        on = bool(on) and bool(self.selected_ranges()) and self.path is not None
        if on == self._previewing:
            self._sync_preview_controls()
            return
        self._previewing = on
        self._preview_jump = None
        self._sync_preview_controls()
        if on:
            t = self.player.position()
            target = self.preview_target(t)
            if target is None:       # past the last shot: start from the first
                target = self.selected_ranges()[0][0]
            if target != t:
                self._preview_seek(target)
            self.player.play()
            self.statusBar().showMessage("Previewing the summary — press P to stop", 4000)

    def _sync_preview_controls(self) -> None:
        for w in (self.preview_btn, self.actions_["preview"]):
            w.blockSignals(True)
            w.setChecked(self._previewing)
            w.blockSignals(False)

    def preview_target(self, t: float) -> Optional[float]:
        """Where preview playback at ``t`` should be: ``t`` itself inside a selected shot,
        the start of the next selected shot in a gap, None past the last one."""
        eps = 0.05
        for a, b in self.selected_ranges():
            if a - eps <= t < b - 0.02:
                return t
            if t < a:
                return a
        return None

    def _preview_seek(self, target: float) -> None:
        self._preview_jump = target
        self.player.seek_to(target)

    def _on_position(self, t: float) -> None:
        self.timeline.set_position(t)
        if not self._previewing:
            return
        if self._preview_jump is not None and t < self._preview_jump - 0.05:
            return    # the jump has not landed yet
        self._preview_jump = None
        target = self.preview_target(t)
        if target is None:
            self.player.pause()
            self.set_preview(False)
            self.statusBar().showMessage("Preview finished", 4000)
        elif target != t:
            self._preview_seek(target)

    def _on_playing(self, playing: bool) -> None:
        pass

    def _seek_from_timeline(self, t: float) -> None:
        self.player.seek_to(t)
        self.timeline.set_position(t)

    # ------------------------------------------------------------------ export
    def export_summary(self) -> None:
        if self.summary is None or not self.path:
            self.show_error("Summarize a video first, then export its summary.")
            return
        if not self.summary.selected:
            self.show_error("No shot is selected: add at least one shot to the summary.")
            return
        if self._export_job is not None and self._export_job.running:
            return
        folder = self.store.get_str("paths/last_export_folder", "")
        if not folder or not os.path.isdir(folder):
            folder = str(Path(self.path).parent)
        suggested = os.path.join(folder, f"{Path(self.path).stem}_summary.mp4")
        out = dialogs.ask_save_path(self, suggested)
        if not out:
            return
        out = os.path.abspath(out)
        self.store.set("paths/last_export_folder", str(Path(out).parent))
        src = self.path
        chosen = SimpleNamespace(selected=[(float(a), float(b)) for a, b in self.selected_ranges()])

        def fn(progress, cancel):
            return pipeline.export(src, chosen, out, progress=progress, cancel=cancel)

        job = self._launch("export", fn, export_job=True)
        job.finished.connect(lambda p: self._on_exported(str(p)))
        job.failed.connect(self._on_failed)
        job.cancelled.connect(lambda: self._on_cancelled("Export cancelled"))
        self.activity.busy(STAGE_TEXT["export"], 0.0, None)
        self._update_actions()

    def _on_exported(self, out: str) -> None:
        if self._closing:
            return
        self.activity.idle(f"Exported {Path(out).name}")
        action = dialogs.export_done(self, out)
        if action == "play":
            QDesktopServices.openUrl(QUrl.fromLocalFile(out))
        elif action == "folder":
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(out).parent)))

    # ------------------------------------------------------------------ misc
    def _start_warmup(self) -> None:
        if self._closing:
            return
        pref = self.base_settings.device

        def fn(progress, cancel):
            from ..core import train
            from ..core.device import choose_device, device_label
            try:
                label = device_label(choose_device(pref))
            except Exception as err:  # noqa: BLE001
                label = f"unavailable ({err})"
            return label, train.PRESETS, train.PRESET_LABELS, train.preset_for_duration

        job = self._launch("warmup", fn)
        job.finished.connect(self._on_warm)
        job.failed.connect(lambda msg, det, user: self.device_label.setText("Device: ?"))

    def _on_warm(self, out) -> None:
        if self._closing:
            return
        label, presets, labels, pfd = out
        if self.result is None:
            self.device_label.setText(f"Device: {label}")
        self.panel.set_presets(presets, labels, pfd)

    def _update_actions(self) -> None:
        A = self.actions_
        has_video = self.path is not None
        pipeline_running = self._job is not None and self._job.running
        summarizing = pipeline_running and self._job.name == "summarize"
        has_summary = self.summary is not None and bool(self.selected_ranges())
        exporting = self._export_job is not None and self._export_job.running
        A["summarize"].setEnabled(has_video and not summarizing)
        self.summarize_btn.setEnabled(has_video and not summarizing)
        self.summarize_btn.setText("Summarizing…" if summarizing else
                                   ("Summarize again" if self.summary is not None else "Summarize"))
        A["export"].setEnabled(has_summary and not exporting)
        self.export_btn.setEnabled(has_summary and not exporting)
        A["preview"].setEnabled(has_summary)
        self.preview_btn.setEnabled(has_summary)
        A["cancel"].setEnabled(self.is_busy() or self._previewing)
        for k in ("play", "frame_back", "frame_fwd", "back5", "fwd5"):
            A[k].setEnabled(has_video)

    def show_error(self, text: str, details: Optional[str] = None) -> None:
        """Every error dialog goes through here (and dialogs.show_error)."""
        self.last_error = text
        if self._closing:
            return
        dialogs.show_error(self, text, details)

    def _about(self) -> None:
        dialogs.show_about(self, "<b>TRIM Desktop</b><br>Self-supervised video summarization: "
                           "it learns what matters in each video on its own and keeps the "
                           "important moments.")

    # ================================================================== drag & drop
    def dragEnterEvent(self, ev) -> None:  # noqa: N802
        if self._dropped_path(ev.mimeData()):
            ev.acceptProposedAction()
        else:
            ev.ignore()

    def dragMoveEvent(self, ev) -> None:  # noqa: N802
        self.dragEnterEvent(ev)

    def dropEvent(self, ev) -> None:  # noqa: N802
        path = self._dropped_path(ev.mimeData())
        if path:
            ev.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_video(path))

    @staticmethod
    def _dropped_path(mime) -> Optional[str]:
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and os.path.isfile(url.toLocalFile()):
                return url.toLocalFile()
        return None

    # ================================================================== closing
    def closeEvent(self, ev) -> None:  # noqa: N802
        """Cancel every job and wait for its thread, then save settings."""
        try:
            self.save_settings()
        except Exception:  # noqa: BLE001
            pass
        self._closing = True
        self._debounce.stop()
        self.player.stop_soon()
        jobs = list(self._jobs)
        for job in jobs:
            job.cancel()
        for job in jobs:
            job.wait()
        super().closeEvent(ev)
