"""Edits in the window: a toggled piece survives a budget change, Reset, undo / redo."""

from __future__ import annotations

import pytest

from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.slow


def kept_at(win, t):
    return next(g.selected for g in win.summary.segments if g.start_time <= t < g.end_time)


def test_toggle_survives_budget_change_reset_and_undo(window, clip, qtbot):
    win = window
    win.panel.set_budget(0.30)
    win.open_video(str(clip))
    qtbot.waitUntil(lambda: win.info is not None, timeout=15000)
    win.summarize()
    qtbot.waitUntil(lambda: win.summary is not None, timeout=60000)
    wait_idle(qtbot, win)
    assert not win.actions_["undo"].isEnabled() and not win.reset_btn.isVisible()

    seg = next(g for g in win.summary.segments if not g.selected)
    t = (seg.start_time + seg.end_time) / 2
    win.timeline.click_at(t, -0.15)  # the user adds a piece
    assert kept_at(win, t)
    assert win.reset_btn.isVisible() and win.reset_btn.text().startswith("1 manual change")
    assert win.actions_["undo"].isEnabled()

    first = win.summary
    win.panel.budget.setValue(40)  # re-select around the edit
    qtbot.waitUntil(lambda: win.summary is not first, timeout=10000)
    wait_idle(qtbot, win)
    assert win.summary.budget == pytest.approx(0.40) and kept_at(win, t)
    assert win.reset_btn.text().startswith("1 manual change")

    win.actions_["undo"].trigger()  # Ctrl+Z: the budget goes back
    assert win.panel.budget_fraction() == pytest.approx(0.30)
    qtbot.waitUntil(lambda: win.summary.budget == pytest.approx(0.30), timeout=10000)
    wait_idle(qtbot, win)
    assert kept_at(win, t)  # the edit is still there
    win.actions_["undo"].trigger()  # and now the edit goes
    assert not kept_at(win, t) and not win.reset_btn.isVisible()
    win.actions_["redo"].trigger()
    assert kept_at(win, t) and win.reset_btn.isVisible()

    win.reset_btn.click()  # "1 manual change - Reset"
    assert not kept_at(win, t) and not win.reset_btn.isVisible()
    keys = {k: win.actions_[k].shortcut().toString() for k in ("undo", "redo")}
    assert keys == {"undo": "Ctrl+Z", "redo": "Ctrl+Shift+Z"}


def summarized(win, clip, qtbot, budget=0.30):
    win.panel.set_budget(budget)
    win.open_video(str(clip))
    qtbot.waitUntil(lambda: win.info is not None, timeout=15000)
    win.summarize()
    qtbot.waitUntil(lambda: win.summary is not None, timeout=60000)
    wait_idle(qtbot, win)


def merged(ranges):
    out = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1e-6:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def covered(win, a, b):
    return any(x - 1e-6 <= a and b <= y + 1e-6 for x, y in merged(win.selected_ranges()))


def test_dragging_a_kept_edge_trims_it_and_ctrl_z_restores_it(window, clip, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    win = window
    summarized(win, clip, qtbot)
    tl, vp = win.timeline, win.timeline.plot.viewport()
    seg = next(
        g
        for g in win.summary.segments
        if g.selected
        and g.duration >= 1.4
        and not any(
            h.selected and abs(h.start_time - g.end_time) < 1e-6 for h in win.summary.segments
        )
    )
    a, b = seg.start_time, seg.end_time

    def at(t):
        return tl.plot.mapFromScene(tl.scene_pos(t, 0.5))

    QTest.mouseMove(vp, at((a + b) / 2))
    assert vp.cursor().shape() != Qt.CursorShape.SizeHorCursor
    QTest.mouseMove(vp, at(b))  # hover the end: a resize cursor
    assert vp.cursor().shape() == Qt.CursorShape.SizeHorCursor
    width = tl.readout.width()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(b))
    QTest.mouseMove(vp, at(b - 0.7))
    assert "release to trim" in tl.readout.full_text() and tl.readout.width() == width
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(b - 0.7))
    assert covered(win, a, b - 0.75) and not covered(win, b - 0.65, b)
    assert win.reset_btn.isVisible() and win.actions_["undo"].isEnabled()

    first = win.summary
    win.panel.budget.setValue(35)  # a re-select keeps the trim
    qtbot.waitUntil(lambda: win.summary is not first, timeout=10000)
    wait_idle(qtbot, win)
    assert covered(win, a, b - 0.75) and not covered(win, b - 0.65, b)

    win.actions_["undo"].trigger()  # the budget
    qtbot.waitUntil(lambda: win.summary.budget == pytest.approx(0.30), timeout=10000)
    wait_idle(qtbot, win)
    win.actions_["undo"].trigger()  # Ctrl+Z: the trim
    assert covered(win, a, b) and not win.reset_btn.isVisible()
    win.actions_["redo"].trigger()
    assert not covered(win, b - 0.65, b)


def test_split_at_playhead_makes_two_pieces_kept_or_dropped_alone(window, clip, qtbot):
    win = window
    summarized(win, clip, qtbot)
    assert win.actions_["split"].shortcut().toString() == "S"
    n = len(win.summary.segments)
    seg = next(g for g in win.summary.segments if g.duration >= 1.0)
    a, b, was = seg.start_time, seg.end_time, seg.selected
    t = round((a + b) / 2, 2)
    win.timeline.set_position(a + 0.05)
    win.actions_["split"].trigger()  # too close to the edge
    assert len(win.summary.segments) == n and "Nothing to split" in win.message_text()
    win.timeline.set_position(t)
    win.actions_["split"].trigger()
    assert len(win.summary.segments) == n + 1 and len(win.timeline.shot_times) == n + 1
    assert kept_at(win, t - 0.1) is was and kept_at(win, t + 0.1) is was
    win.timeline.click_at(t + 0.1, -0.15)  # only the second part
    assert kept_at(win, t + 0.1) is (not was) and kept_at(win, t - 0.1) is was
    win.actions_["undo"].trigger()
    assert kept_at(win, t + 0.1) is was and len(win.summary.segments) == n + 1
    win.actions_["undo"].trigger()
    assert len(win.summary.segments) == n and len(win.timeline.shot_times) == n
