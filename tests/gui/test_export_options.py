"""File > Export Options: one video or a clip per piece, frame-accurate or fast."""

from __future__ import annotations

import av
import pytest

from tests.gui.test_main_window import summarize


def export(qtbot, win, dialogs):
    n = len(dialogs.export_done)
    win.export_summary()
    qtbot.waitUntil(lambda: len(dialogs.export_done) > n or bool(dialogs.errors), timeout=60000)
    assert not dialogs.errors, dialogs.errors


def test_export_options_clips_and_fast(make_window, clip, qtbot, dialogs, tmp_path, monkeypatch):
    from trim_desktop.gui import dialogs as dlg

    win = make_window()
    summarize(qtbot, win, clip)
    A = win.actions_
    assert A["export_single"].isChecked() and A["export_accurate"].isChecked()  # defaults
    assert "keyframe" in A["export_fast"].toolTip()
    pieces = win.session.selected_ranges()
    assert pieces

    # one clip per kept piece, copied (fast), into a new folder
    A["export_clips"].trigger()
    A["export_fast"].trigger()
    folder = tmp_path / "clips"
    monkeypatch.setattr(dlg, "ask_clips_folder", lambda parent, suggested: str(folder))
    dialogs.export_action = "folder"
    export(qtbot, win, dialogs)
    assert dialogs.export_done[-1] == str(folder)
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(pieces) and all(n.endswith(".mp4") for n in names)
    assert dialogs.opened_urls[-1].toLocalFile() == str(folder)  # the folder itself

    # one video as .mkv: Matroska, a chapter per kept piece
    A["export_single"].trigger()
    A["export_accurate"].trigger()
    out = tmp_path / "summary.mkv"
    dialogs.save_path = str(out)
    export(qtbot, win, dialogs)
    with av.open(str(out)) as c:
        assert "matroska" in c.format.name and len(c.chapters()) == len(pieces)

    # the choices are remembered
    A["export_fast"].trigger()
    A["export_clips"].trigger()
    monkeypatch.setattr(dlg, "ask_clips_folder", lambda parent, suggested: "")
    win.export_summary()  # asked, then cancelled: the choices are stored all the same
    again = make_window()
    assert again.actions_["export_fast"].isChecked()
    assert again.actions_["export_clips"].isChecked()


@pytest.mark.parametrize(
    "chosen, typed, expected",
    [
        ("Matroska video (*.mkv)", "/x/s", "/x/s.mkv"),
        ("MP4 video (*.mp4)", "/x/s.mov", "/x/s.mov"),
        ("QuickTime movie (*.mov)", "/x/s.txt", "/x/s.txt.mov"),
    ],
)
def test_save_dialog_adds_the_chosen_ending(monkeypatch, chosen, typed, expected):
    from PySide6.QtWidgets import QFileDialog

    from trim_desktop.gui import dialogs as dlg

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (typed, chosen))
    assert dlg.ask_save_path(None, "/x/s.mp4") == expected
