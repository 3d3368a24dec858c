"""What a check of the app in a real X window (Xvfb, xcb, 1024x700) found wrong or
confusing, each kept fixed here (offscreen)."""

from __future__ import annotations

import re

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.gui.conftest import shown
from tests.gui.test_timeline import four_pieces, seg, summary
from trim_desktop.gui import dialogs as dlg
from trim_desktop.gui.timeline import Timeline

WHY = "kept: shows content not yet in the summary"


def test_the_readout_shows_why_a_piece_is_in_or_out_at_1024_px(make_window, qtbot):
    """At 1024x700 the readout was cut after "piece 18 (i…": the legend took its room
    and the numbers came before the reason."""
    win = make_window()
    win.resize(1024, 700)
    qtbot.wait(50)
    tl = win.timeline
    tl.set_duration(68.0)
    tl.set_scores(np.arange(0, 68, 0.5), np.linspace(0.38, 0.68, 136))
    tl.set_summary(
        summary(
            *[seg(i, 2.0 * i, 2.0 * i + 2, i == 16, WHY if i == 16 else "") for i in range(34)],
            rule="Kept: the highest-scored pieces, each scene once; repeats, dark, blank, "
            "still or blurred pieces only when nothing else fits.",
        )
    )
    tl.hover_at(33.2)
    qtbot.wait(20)
    shown_text = tl.readout.shown_text()
    assert f"piece 17 (in summary): {WHY}" in shown_text, shown_text
    assert tl.readout.full_text().index("piece 17") < tl.readout.full_text().index("importance")
    # the legend still explains the colours, under the strip
    assert tl.legend.isVisible() and "junk" in tl.legend.text()
    assert tl.legend.geometry().top() > tl.plot.geometry().bottom()


def test_no_selection_rule_is_stated_before_there_is_a_summary(qtbot):
    """Before Summarize the line under the plot named the research knapsack, which the
    app does not use."""
    tl = shown(qtbot, Timeline(), (600, 260))
    assert tl.rule_label.full_text() == ""
    four_pieces(tl)
    assert tl.rule_label.full_text().startswith("Selection: Kept: the highest-scored")
    tl.clear()
    assert tl.rule_label.full_text() == ""


def test_dragging_an_edge_hides_the_stale_hover_thumbnail(qtbot):
    """The hovered piece's thumbnail stayed over the plot while an edge was dragged
    across it (and a late picture could show it again)."""
    tl = shown(qtbot, Timeline(), (600, 260))
    four_pieces(tl)  # piece 2 (2-4 s) is kept, piece 1 is not: its start is free
    tl.hover_at(2.05, tl.plot.mapFromScene(tl.scene_pos(2.05)))
    tl.thumb.setPixmap(QPixmap(160, 90))  # as if its picture had come
    tl.thumb.show()
    key = tl._thumb_key = ("clip.mp4", 3.0)
    assert tl.hover_line.isVisible()
    assert tl.press_at(tl.scene_pos(2.0))
    assert not tl.thumb.isVisible() and not tl.hover_line.isVisible()
    tl._on_thumb(key, QPixmap(160, 90).toImage())  # the picture arrives late
    assert not tl.thumb.isVisible()
    assert tl.move_to(tl.scene_pos(1.5)) and "release to trim" in tl.readout.full_text()
    trims = []
    tl.trimRequested.connect(lambda *a: trims.append(a))
    assert tl.release_at(tl.scene_pos(1.5))
    assert len(trims) == 1 and trims[0][:2] == (1, "start")


def answer_export_done(path):
    """Run dialogs.export_done on ``path``; note what it says and press its default."""
    seen = {}

    def look():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, look)
            return
        seen["text"] = box.text()
        seen["buttons"] = [b.text() for b in box.buttons()]
        box.defaultButton().click()

    QTimer.singleShot(20, look)
    return dlg.export_done(None, str(path)), seen


def test_the_export_message_of_a_clips_folder_offers_the_folder(qtbot, tmp_path):
    """A clips folder was announced as "The summary was saved." with "Play summary"
    first, which opened the folder (there is no one video to play)."""
    folder = tmp_path / "sample_clips"
    folder.mkdir()
    for i in range(3):
        (folder / f"piece-{i + 1:02d}.mp4").write_bytes(b"x")
    action, seen = answer_export_done(folder)
    assert action == "folder"
    assert seen["text"] == "3 clips saved, one per kept piece."
    assert not any("Play" in b for b in seen["buttons"]), seen["buttons"]
    # one video: as before, Play first
    video = tmp_path / "sample_summary.mp4"
    video.write_bytes(b"x")
    action, seen = answer_export_done(video)
    assert action == "play" and seen["text"] == "The summary was saved."


def test_the_restore_offer_names_the_time_once(make_window, clip, qtbot, dialogs):
    """The offer read "This video has edits saved on 15:58. Restore your edits from
    15:58?"."""
    from tests.gui.test_main_window import summarize

    win = make_window()
    summarize(qtbot, win, clip)
    qtbot.waitUntil(lambda: win.projects.autosaves > 0, timeout=10000)
    win.close()
    again = make_window()
    again.open_video(str(clip))
    qtbot.waitUntil(again.notice.offering, timeout=15000)
    text = again.notice.text()
    assert len(re.findall(r"\d?\d:\d\d", text)) == 1, text
    assert "Restore your edits from" in text and again.notice.action_btn.text() == "Restore"


def test_one_drag_outward_is_one_manual_change(make_window, clip, qtbot):
    """Dragging a kept piece's edge outward showed "2 manual changes - Reset"."""
    from tests.gui.test_main_window import summarize

    win = make_window()
    summarize(qtbot, win, clip)
    segs = win.summary.segments
    i = next(
        i
        for i in range(1, len(segs))
        if segs[i].selected and not segs[i - 1].selected and segs[i - 1].duration >= 1.0
    )
    win.timeline.trimRequested.emit(i, "start", segs[i].start_time - 0.5)
    assert win.reset_btn.isVisible() and win.reset_btn.text().startswith("1 manual change")


def test_no_summary_yet_is_not_in_the_over_budget_colour(make_window, clip, qtbot):
    """Opening a video again after an over-budget summary showed "No summary yet" in
    the warning colour."""
    from tests.gui.test_main_window import summarize

    win = make_window()
    summarize(qtbot, win, clip)
    seg = next(g for g in win.summary.segments if not g.selected)
    win.toggle_shot(win.summary.segments.index(seg))  # one piece more: over the budget
    assert "b45309" in win.box.label.styleSheet()
    win.open_video(str(clip))
    assert win.box.label.text() == "No summary yet" and win.box.label.styleSheet() == ""


def test_a_saved_project_is_in_open_recent(make_window, clip, qtbot, tmp_path, dialogs):
    """After Save Project, File > Open Recent listed only the video."""
    from tests.gui.test_main_window import summarize

    win = make_window()
    summarize(qtbot, win, clip)
    out = str(tmp_path / "clip.trimproj")
    assert win.projects.write(out)
    names = [a.text() for a in win.recent_menu.actions()]
    assert "clip.trimproj" in names and win.store.recent_files()[0] == out
    win.close()
    again = make_window()
    entry = next(a for a in again.recent_menu.actions() if a.text() == "clip.trimproj")
    entry.trigger()  # opens as a project: its summary, no training
    assert again.summary is not None and again.projects.path == out and not dialogs.errors
