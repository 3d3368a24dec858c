"""GUI fixtures: a real MainWindow, offscreen, with per-test settings and cache folders.

Dialogs are intercepted (``dialogs`` fixture records them instead of blocking), training
uses short presets (``fast_training``), features use the small efficientnet-lite0 backbone
with its real weights on the CPU.
"""

from __future__ import annotations

import dataclasses
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

from tests.media import make_video

FAST_STEPS = dict(steps1=2, steps2=4)


@pytest.fixture(scope="session")
def clip(tmp_path_factory):
    """A 9 s 320x240 clip with sound: six 1.5 s scenes."""
    return make_video(
        tmp_path_factory.mktemp("media") / "clip.mp4",
        duration=9.0,
        fps=25,
        size=(320, 240),
        scene_s=1.5,
        audio=True,
    )


@pytest.fixture
def gui_env(tmp_path, monkeypatch):
    """Per-test QSettings file, feature cache and data folder (autosaves)."""
    from PySide6.QtCore import QSettings

    ini = tmp_path / "settings" / "trim.ini"
    ini.parent.mkdir()
    monkeypatch.setenv("TRIM_DESKTOP_SETTINGS", str(ini))
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("TRIM_DESKTOP_DATA", str(tmp_path / "data"))
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    return ini


@pytest.fixture
def fast_training(monkeypatch):
    """Short training for every preset (the real step counts come from core.train)."""
    from trim_desktop.core import train

    for key, preset in list(train.PRESETS.items()):
        monkeypatch.setitem(train.PRESETS, key, dataclasses.replace(preset, **FAST_STEPS))
    return train.PRESETS


class DialogRecorder:
    def __init__(self):
        self.errors: list[tuple[str, str | None]] = []
        self.export_done: list[str] = []
        self.save_path: str | None = None
        self.open_path: str | None = None
        self.project_save_path: str | None = None
        self.project_open_path: str | None = None
        self.export_action = "close"
        self.opened_urls: list = []


@pytest.fixture
def dialogs(monkeypatch):
    from PySide6.QtGui import QDesktopServices

    from trim_desktop.gui import dialogs as dlg

    rec = DialogRecorder()
    monkeypatch.setattr(
        dlg,
        "show_error",
        lambda parent, text, details=None, title="": rec.errors.append((text, details)),
    )
    monkeypatch.setattr(dlg, "ask_save_path", lambda parent, suggested: rec.save_path or "")
    monkeypatch.setattr(dlg, "ask_open_path", lambda parent, folder: rec.open_path or "")
    monkeypatch.setattr(
        dlg, "ask_project_save_path", lambda parent, suggested: rec.project_save_path or ""
    )
    monkeypatch.setattr(
        dlg, "ask_project_open_path", lambda parent, folder: rec.project_open_path or ""
    )

    def done(parent, path):
        rec.export_done.append(path)
        return rec.export_action

    monkeypatch.setattr(dlg, "export_done", done)
    monkeypatch.setattr(
        QDesktopServices, "openUrl", lambda url: rec.opened_urls.append(url) or True
    )
    monkeypatch.setattr(dlg, "show_shortcuts", lambda parent: None)
    return rec


def fast_settings():
    from trim_desktop.core.pipeline import SummarizeSettings

    return SummarizeSettings(backbone="efficientnet-lite0", device="cpu")


@pytest.fixture
def make_window(qtbot, gui_env, dialogs, fast_training):
    """Factory: a shown MainWindow whose presets have loaded; closed at teardown."""
    from trim_desktop.gui.main_window import MainWindow

    windows = []

    def make(**kw):
        kw.setdefault("settings", fast_settings())
        win = MainWindow(**kw)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        qtbot.waitUntil(lambda: win.panel.presets_loaded, timeout=30000)
        windows.append(win)
        return win

    yield make
    for w in windows:
        if w.isVisible():
            w.close()


@pytest.fixture
def window(make_window):
    return make_window()


def wait_idle(qtbot, win, timeout=60000):
    qtbot.waitUntil(lambda: not win.is_busy() and not win.jobs.debounce.isActive(), timeout=timeout)


def shown(qtbot, widget, size=None):
    """``widget`` on screen (offscreen), tracked by qtbot; returns it."""
    qtbot.addWidget(widget)
    if size:
        widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget
