"""The window's actions (with their shortcuts), menus, toolbar and the recent-files menu.

Every command the user can give lives here once: menus, the toolbar and keyboard
shortcuts share the same QAction. ``refresh`` enables each one from the window's state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar

from . import dialogs

PLAYBACK = ("play", "frame_back", "frame_fwd", "back5", "fwd5")


def build(win) -> dict[str, QAction]:
    """Every action of ``win`` (a MainWindow), keyed by a short name."""
    st = win.style()
    A: dict[str, QAction] = {}

    def act(
        key: str,
        text: str,
        shortcut: Optional[str] = None,
        slot: Optional[Callable] = None,
        icon=None,
        checkable: bool = False,
        tip: Optional[str] = None,
    ) -> QAction:
        a = QAction(text, win)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            a.setIcon(st.standardIcon(icon))
        a.setCheckable(checkable)
        if tip:
            a.setToolTip(tip)
        if slot:
            a.triggered.connect(slot)
        win.addAction(a)  # shortcuts work even when the menu bar is hidden
        A[key] = a
        return a

    SP = QStyle.StandardPixmap
    player = win.player
    act(
        "open",
        "&Open Video…",
        "Ctrl+O",
        win.open_dialog,
        SP.SP_DialogOpenButton,
        tip="Open a video (Ctrl+O)",
    )
    act("sample", "Open &Sample Video", None, win.open_sample)
    act(
        "open_project",
        "Open &Project…",
        "Ctrl+Shift+O",
        win.projects.open_dialog,
        tip="Open a saved project: the video, its summary and your edits (Ctrl+Shift+O)",
    )
    act(
        "save_project",
        "&Save Project",
        "Ctrl+S",
        win.projects.save,
        tip="Save the video's summary, settings and edits as a project (Ctrl+S)",
    )
    act("save_project_as", "Save Project &As…", "Ctrl+Shift+S", win.projects.save_as)
    act(
        "export",
        "&Export Summary…",
        "Ctrl+E",
        win.export_summary,
        SP.SP_DialogSaveButton,
        tip="Save the summary as a video, or a clip per piece (Ctrl+E; File > Export Options)",
    )
    act(
        "sheet",
        "Export &Contact Sheet…",
        None,
        win.export_contact_sheet,
        tip="Save a PNG grid of the summary's pieces with their times",
    )
    act(
        "cutlist",
        "Export C&ut List…",
        None,
        win.export_cutlist,
        tip="Save the kept pieces for an editor or player: OpenTimelineIO, EDL, FCPXML, "
        "YouTube chapters, SRT, FFmpeg concat or LosslessCut CSV",
    )
    act(
        "open_segments",
        "Open Se&gments…",
        None,
        win.open_segments,
        tip="Make a segments file's kept pieces (e.g. edited by hand) this video's summary",
    )
    export_choices(win, act)
    act("quit", "&Quit", "Ctrl+Q", win.close)
    act(
        "summarize",
        "&Summarize",
        "Ctrl+R",
        win.summarize,
        SP.SP_BrowserReload,
        tip="Find the important moments (Ctrl+R)",
    )
    act(
        "preview",
        "&Preview Summary",
        "P",
        None,
        SP.SP_MediaSeekForward,
        checkable=True,
        tip="Play only the selected shots (P)",
    )
    A["preview"].toggled.connect(win.set_preview)
    act("cancel", "&Cancel", "Esc", win.cancel, SP.SP_BrowserStop, tip="Cancel (Esc)")
    act("play", "&Play / Pause", "Space", player.toggle_play)
    act("frame_back", "Frame &Back", "Left", lambda: player.step_frames(-1))
    act("frame_fwd", "Frame &Forward", "Right", lambda: player.step_frames(1))
    act("back5", "Back 5 s", "Shift+Left", lambda: player.jump(-5.0))
    act("fwd5", "Forward 5 s", "Shift+Right", lambda: player.jump(5.0))
    act(
        "model",
        "Use Trained &Model…",
        None,
        win.choose_model,
        tip="Score with a model made by trim-train instead of training on each video",
    )
    act("model_finetune", "Fine-tune the Model on Each Video", None, None, checkable=True)
    A["model_finetune"].toggled.connect(win.set_model_finetune)
    act("model_clear", "Stop Using the Model", None, lambda: win.use_model(None))
    act("undo", "&Undo", "Ctrl+Z", win.undo, tip="Undo the last edit or setting change (Ctrl+Z)")
    act("redo", "&Redo", "Ctrl+Shift+Z", win.redo, tip="Redo (Ctrl+Shift+Z)")
    act(
        "split",
        "&Split Piece at Playhead",
        "S",
        win.split_at_playhead,
        tip="Cut the piece under the playhead in two, to keep or drop each part (S)",
    )
    act(
        "reset_edits",
        "Reset &Manual Changes",
        None,
        win.reset_edits,
        tip="Forget the pieces you added or dropped by hand: the automatic choice again",
    )
    act("shortcuts", "&Keyboard Shortcuts", "F1", lambda: dialogs.show_shortcuts(win))
    act("about", "&About TRIM Desktop", None, lambda: about(win))
    A["model_finetune"].setEnabled(False)
    A["model_clear"].setEnabled(False)
    return A


EXPORT_CHOICES = ("export_single", "export_clips", "export_accurate", "export_fast")
"""File > Export Options: what Export Summary writes (two exclusive pairs)."""


def export_choices(win, act) -> None:
    """One video or a clip per piece; frame-accurate or fast. Checked: the defaults."""
    pairs = (
        (
            (
                "export_single",
                "One &Video (a chapter per piece)",
                "Export the kept pieces joined into one video, with a chapter per piece",
            ),
            (
                "export_clips",
                "One &Clip per Piece, into a Folder",
                "Export each kept piece as its own file into a new folder",
            ),
        ),
        (
            (
                "export_accurate",
                "&Frame-Accurate (re-encode)",
                "Every cut exactly where the summary says (re-encodes: slower)",
            ),
            (
                "export_fast",
                "F&ast (no re-encoding, cuts at keyframes)",
                "Copies the video without re-encoding (much faster, the original quality), "
                "but each piece starts at the keyframe at or before its cut, so it can "
                "start a few seconds early",
            ),
        ),
    )
    for pair in pairs:
        group = QActionGroup(win)
        group.setExclusive(True)
        for i, (key, text, tip) in enumerate(pair):
            a = act(key, text, None, None, checkable=True, tip=tip)
            a.setStatusTip(tip)
            a.setChecked(i == 0)
            group.addAction(a)


def export_mode(A: dict[str, QAction]) -> tuple[str, bool]:
    """(mode, clips) as the Export Options say: ("accurate" | "fast", one clip per piece)."""
    return ("fast" if A["export_fast"].isChecked() else "accurate", A["export_clips"].isChecked())


def set_export_mode(A: dict[str, QAction], mode: str, clips: bool) -> None:
    A["export_fast" if mode == "fast" else "export_accurate"].setChecked(True)
    A["export_clips" if clips else "export_single"].setChecked(True)


def build_menus(win: QMainWindow, A: dict[str, QAction], recent: QMenu) -> None:
    """The menu bar and the toolbar."""
    mb = win.menuBar()
    m = mb.addMenu("&File")
    m.addAction(A["open"])
    m.addMenu(recent)
    m.addAction(A["sample"])
    m.addAction(A["open_segments"])
    m.addAction(A["open_project"])
    m.addSeparator()
    m.addAction(A["save_project"])
    m.addAction(A["save_project_as"])
    m.addSeparator()
    m.addAction(A["export"])
    options = m.addMenu("Export &Options")
    for k in EXPORT_CHOICES:
        options.addAction(A[k])
        if k == "export_clips":
            options.addSeparator()
    m.addAction(A["sheet"])
    m.addAction(A["cutlist"])
    m.addSeparator()
    m.addAction(A["quit"])
    m = mb.addMenu("&Edit")
    for k in ("undo", "redo", "split", "reset_edits"):
        m.addAction(A[k])
    m = mb.addMenu("&Summary")
    for k in ("summarize", "preview", "cancel"):
        m.addAction(A[k])
    m.addSeparator()
    for k in ("model", "model_finetune", "model_clear"):
        m.addAction(A[k])
    m = mb.addMenu("&Playback")
    for k in PLAYBACK:
        m.addAction(A[k])
    m = mb.addMenu("&Help")
    m.addAction(A["shortcuts"])
    m.addAction(A["about"])

    tb = QToolBar("Main")
    tb.setObjectName("mainToolbar")
    tb.setMovable(False)
    tb.setIconSize(QSize(18, 18))
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for k in ("open", "summarize", "preview", "export", "cancel"):
        tb.addAction(A[k])
    win.addToolBar(tb)


def fill_recent(
    menu: QMenu, files: list[str], open_fn: Callable[[str], None], clear_fn: Callable[[], None]
) -> None:
    """The Open Recent menu from ``files`` (newest first)."""
    menu.clear()
    for p in files:
        a = menu.addAction(Path(p).name)
        a.setToolTip(p)
        a.setStatusTip(p)
        a.triggered.connect(lambda _=False, p=p: open_fn(p))
    if not files:
        menu.addAction("(none)").setEnabled(False)
    else:
        menu.addSeparator()
        menu.addAction("Clear list", clear_fn)


def refresh(
    A: dict[str, QAction],
    *,
    has_video: bool,
    summarizing: bool,
    has_summary: bool,
    exporting: bool,
    can_cancel: bool,
) -> None:
    """Enable each action for the window's state."""
    A["summarize"].setEnabled(has_video and not summarizing)
    A["export"].setEnabled(has_summary and not exporting)
    A["sheet"].setEnabled(has_summary)
    A["cutlist"].setEnabled(has_summary)
    A["open_segments"].setEnabled(has_video and not summarizing)
    A["preview"].setEnabled(has_summary)
    A["cancel"].setEnabled(can_cancel)
    for k in PLAYBACK:
        A[k].setEnabled(has_video)


def show_model(A: dict[str, QAction], path: Optional[str], finetune: bool) -> None:
    """The model actions for a model file in use (``path``) or none."""
    A["model_finetune"].blockSignals(True)
    A["model_finetune"].setChecked(bool(path) and finetune)
    A["model_finetune"].blockSignals(False)
    A["model_finetune"].setEnabled(bool(path))
    A["model_clear"].setEnabled(bool(path))


def about(win) -> None:
    dialogs.show_about(
        win,
        "<b>TRIM Desktop</b><br>Self-supervised video summarization: "
        "it learns what matters in each video on its own and keeps the "
        "important moments.",
    )


def refresh_edits(
    A: dict[str, QAction], can_undo: bool, can_redo: bool, edited: bool, pieces: bool = False
) -> None:
    """Undo, Redo, Split, Save Project and Reset Manual Changes for the session's state
    (``pieces``: a summary is on screen)."""
    for k in ("split", "save_project", "save_project_as"):
        A[k].setEnabled(pieces)
    A["undo"].setEnabled(can_undo)
    A["redo"].setEnabled(can_redo)
    A["reset_edits"].setEnabled(edited)
