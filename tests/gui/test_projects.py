"""Projects in the window: save, open in a fresh window without training, bad files,
autosave and the offer to restore it."""

from __future__ import annotations

import json

import pytest

from tests.gui.conftest import wait_idle
from tests.gui.test_edits import summarized

pytestmark = pytest.mark.slow


def edit(win):
    """A toggle, a split and a trim: the kinds of edit a project must keep."""
    segs = win.summary.segments
    win.toggle_shot(next(i for i, g in enumerate(segs) if not g.selected))
    seg = next(g for g in win.summary.segments if g.duration >= 1.0)
    win.timeline.set_position(round((seg.start_time + seg.end_time) / 2, 2))
    win.split_at_playhead()
    i, g = next(
        (i, g) for i, g in enumerate(win.summary.segments) if g.selected and g.duration >= 0.8
    )
    win.trim_piece(i, "start", g.start_time + 0.3)


def test_save_then_open_in_a_fresh_window_without_training(
    make_window, clip, qtbot, dialogs, tmp_path, monkeypatch
):
    win = make_window()
    summarized(win, clip, qtbot)
    edit(win)
    ranges, cuts = win.selected_ranges(), list(win.session.cuts)
    assert cuts and win.actions_["save_project"].shortcut().toString() == "Ctrl+S"
    target = tmp_path / "talk.trimproj"
    dialogs.project_save_path = str(target)
    win.actions_["save_project"].trigger()  # no file yet: Save As
    assert target.exists() and win.projects.path == str(target)
    assert json.loads(target.read_text())["version"] == 1
    win.close()

    from trim_desktop.core import pipeline

    trained = []
    monkeypatch.setattr(pipeline, "rescore", lambda *a, **k: trained.append(1) or 1 / 0)
    fresh = make_window()
    dialogs.project_open_path = str(target)
    fresh.actions_["open_project"].trigger()
    assert fresh.path == str(clip) and fresh.selected_ranges() == ranges
    assert fresh.session.cuts == cuts and fresh.reset_btn.isVisible()
    qtbot.waitUntil(lambda: fresh.session.features is not None, timeout=60000)
    wait_idle(qtbot, fresh)
    assert trained == [] and not dialogs.errors
    assert fresh.session.plan(fresh.current_settings()) is None
    assert fresh.selected_ranges() == ranges
    assert fresh.activity.stage_label.text() == "Summary restored"
    fresh.actions_["reset_edits"].trigger()  # the edits are edits again
    assert fresh.session.cuts == [] and fresh.actions_["undo"].isEnabled()
    fresh.actions_["undo"].trigger()
    assert fresh.selected_ranges() == ranges


def test_bad_project_files_end_in_one_line_and_a_usable_window(
    window, clip, qtbot, dialogs, tmp_path
):
    win = window
    bad = tmp_path / "bad.trimproj"
    for content, words in (
        (b"{oops", "damaged"),
        (b'{"a": 1}', "not a TRIM Desktop project"),
        (b'{"format": "trim-desktop-project", "version": 9}', "newer"),
    ):
        bad.write_bytes(content)
        dialogs.project_open_path = str(bad)
        win.actions_["open_project"].trigger()
        text, details = dialogs.errors[-1]
        assert words in text and "\n" not in text and details is None
    win.open_video(str(bad))  # dropped or from the command line
    assert "newer" in dialogs.errors[-1][0] and win.path is None
    summarized(win, clip, qtbot)  # still usable
    other = tmp_path / "other.trimproj"
    dialogs.project_save_path = str(other)
    assert win.projects.save_as()
    data = json.loads(other.read_text())
    data["video"]["digest"] = "sha256:" + "0" * 64  # another video's project
    other.write_text(json.dumps(data))
    dialogs.project_open_path = str(other)
    win.actions_["open_project"].trigger()
    assert "is not the video it was made from" in dialogs.errors[-1][0]
    assert win.summary is not None and win.path == str(clip)


def test_autosave_is_offered_when_the_video_opens_again(make_window, clip, qtbot, dialogs):
    win = make_window()
    summarized(win, clip, qtbot)
    assert not win.notice.offering()  # nothing saved before
    qtbot.waitUntil(lambda: win.projects.autosaves > 0, timeout=10000)  # the new summary
    before = win.projects.autosaves
    edit(win)
    qtbot.waitUntil(lambda: win.projects.autosaves > before, timeout=10000)
    ranges = win.selected_ranges()
    files = list(win.projects.autosave_dir.iterdir())
    assert len(files) == 1 and not files[0].name.startswith(".")
    win.close()

    again = make_window()
    again.open_video(str(clip))
    qtbot.waitUntil(again.notice.offering, timeout=15000)
    assert "Restore your edits from" in again.notice.text()
    assert again.summary is None  # nothing happens unasked
    again.notice.action_btn.click()  # the user answers
    assert again.selected_ranges() == ranges and not again.notice.offering()
    qtbot.waitUntil(lambda: again.session.features is not None, timeout=60000)
    wait_idle(qtbot, again)
    assert again.selected_ranges() == ranges and not dialogs.errors
    again.panel.budget.setValue(40)  # settings are followed again
    qtbot.waitUntil(lambda: again.summary.budget == pytest.approx(0.40), timeout=20000)
    wait_idle(qtbot, again)
    assert again.reset_btn.isVisible()  # the edits laid over it


def test_a_failing_autosave_says_so_once_and_the_window_goes_on(
    make_window, clip, qtbot, dialogs, tmp_path, monkeypatch
):
    blocker = tmp_path / "not a folder"
    blocker.write_text("x")
    monkeypatch.setenv("TRIM_DESKTOP_DATA", str(blocker))
    win = make_window()
    summarized(win, clip, qtbot)
    qtbot.waitUntil(lambda: "Autosave failed" in win.message_text(), timeout=10000)
    assert win.projects.autosaves == 0 and not dialogs.errors
    win.statusBar().clearMessage()
    win.notice.dismiss()
    win.toggle_shot(0)  # the same failure is not repeated
    qtbot.wait(1500)
    qtbot.waitUntil(lambda: win.projects._writing is None, timeout=5000)
    assert "Autosave failed" not in win.message_text()
    target = tmp_path / "manual.trimproj"
    dialogs.project_save_path = str(target)
    assert win.projects.save() and target.exists()  # saving by hand still works


def test_restoring_while_a_summary_runs_keeps_the_restored_edits(make_window, clip, qtbot, dialogs):
    win = make_window()
    summarized(win, clip, qtbot)
    edit(win)
    ranges = win.selected_ranges()
    win.close()  # closing writes the autosave

    again = make_window()
    again.open_video(str(clip))
    qtbot.waitUntil(again.notice.offering, timeout=15000)
    again.summarize()  # the user starts over, then
    assert again.is_busy()
    again.notice.action_btn.click()  # changes their mind
    qtbot.waitUntil(lambda: not again.jobs.jobs, timeout=60000)
    wait_idle(qtbot, again)
    assert again.selected_ranges() == ranges and not dialogs.errors
    again.panel.budget.setValue(40)
    qtbot.waitUntil(lambda: again.summary.budget == pytest.approx(0.40), timeout=20000)
