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
    win.timeline.click_at(t, -0.15)                       # the user adds a piece
    assert kept_at(win, t)
    assert win.reset_btn.isVisible() and win.reset_btn.text().startswith("1 manual change")
    assert win.actions_["undo"].isEnabled()

    first = win.summary
    win.panel.budget.setValue(40)                          # re-select around the edit
    qtbot.waitUntil(lambda: win.summary is not first, timeout=10000)
    wait_idle(qtbot, win)
    assert win.summary.budget == pytest.approx(0.40) and kept_at(win, t)
    assert win.reset_btn.text().startswith("1 manual change")

    win.actions_["undo"].trigger()                         # Ctrl+Z: the budget goes back
    assert win.panel.budget_fraction() == pytest.approx(0.30)
    qtbot.waitUntil(lambda: win.summary.budget == pytest.approx(0.30), timeout=10000)
    wait_idle(qtbot, win)
    assert kept_at(win, t)                                 # the edit is still there
    win.actions_["undo"].trigger()                         # and now the edit goes
    assert not kept_at(win, t) and not win.reset_btn.isVisible()
    win.actions_["redo"].trigger()
    assert kept_at(win, t) and win.reset_btn.isVisible()

    win.reset_btn.click()                              # "1 manual change - Reset"
    assert not kept_at(win, t) and not win.reset_btn.isVisible()
    keys = {k: win.actions_[k].shortcut().toString() for k in ("undo", "redo")}
    assert keys == {"undo": "Ctrl+Z", "redo": "Ctrl+Shift+Z"}
