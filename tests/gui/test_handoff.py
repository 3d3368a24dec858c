"""The window's hand-off commands: File > Export Cut List (read back by OpenTimelineIO)
and File > Open Segments (a segments file's kept pieces become the summary, which
Preview and Export then use)."""

from __future__ import annotations

import json

import av
import opentimelineio as otio
import pytest

from tests.gui.conftest import wait_idle
from tests.gui.test_main_window import open_clip, summarize

pytestmark = pytest.mark.slow


def in_file_menu(win, key) -> bool:
    return any(
        a is win.actions_[key]
        for m in win.menuBar().actions()
        if "File" in m.text()
        for a in m.menu().actions()
    )


def test_export_cut_list_from_the_file_menu(window, clip, qtbot, dialogs, tmp_path, monkeypatch):
    from trim_desktop.gui import dialogs as dlg

    win = window
    assert in_file_menu(win, "cutlist") and not win.actions_["cutlist"].isEnabled()
    summarize(qtbot, win, clip)
    out = tmp_path / "cuts.otio"
    asked = []
    monkeypatch.setattr(
        dlg,
        "ask_cutlist_path",
        lambda parent, suggested, formats: asked.append(formats) or str(out),
    )
    assert win.actions_["cutlist"].isEnabled()
    win.actions_["cutlist"].trigger()
    qtbot.waitUntil(lambda: out.exists(), timeout=15000)
    assert set(asked[0]) >= {
        ".otio",
        ".edl",
        ".fcpxml",
        ".chapters.txt",
        ".srt",
        ".ffconcat",
        ".csv",
    }
    tl = otio.adapters.read_from_file(str(out))
    got = [
        (c.source_range.start_time.to_seconds(), c.source_range.end_time_exclusive().to_seconds())
        for c in tl.find_clips()
    ]
    want = win.selected_ranges()
    merged = []
    for a, b in want:
        if merged and abs(a - merged[-1][1]) < 1e-6:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    assert len(got) == len(merged)
    assert all(abs(a - x) <= 1 / 25 and abs(b - y) <= 1 / 25 for (a, b), (x, y) in zip(got, merged))
    assert dialogs.errors == []


def test_open_segments_makes_its_pieces_the_summary(
    window, clip, qtbot, dialogs, tmp_path, monkeypatch
):
    from trim_desktop.gui import dialogs as dlg

    win = window
    assert in_file_menu(win, "open_segments") and not win.actions_["open_segments"].isEnabled()
    open_clip(qtbot, win, clip)
    wait_idle(qtbot, win)
    assert win.actions_["open_segments"].isEnabled()
    other = tmp_path / "other.json"  # another video's file: refused, nothing changes
    other.write_text(
        json.dumps(
            {"duration": 60.0, "segments": [{"start_time": 1, "end_time": 2, "selected": True}]}
        )
    )
    edited = tmp_path / "edited.csv"  # LosslessCut's CSV: start, end, label
    edited.write_text("1,3,first\n5,7.5,second\n")
    answers = [str(other), str(edited)]
    monkeypatch.setattr(dlg, "ask_segments_path", lambda parent, folder: answers.pop(0))
    win.actions_["open_segments"].trigger()
    assert len(dialogs.errors) == 1 and "describes a video of 60.0 s" in dialogs.errors[0][0]
    assert win.summary is None
    win.actions_["open_segments"].trigger()
    assert win.selected_ranges() == [(1.0, 3.0), (5.0, 7.5)]
    assert win.actions_["export"].isEnabled() and win.actions_["preview"].isEnabled()
    assert "edited.csv" in win.message_text()
    # the pieces can be edited like the app's own, and export uses them
    win.toggle_shot(1)
    assert win.selected_ranges() == [(1.0, 3.0)]
    win.undo()
    assert win.selected_ranges() == [(1.0, 3.0), (5.0, 7.5)]
    out = tmp_path / "re.mp4"
    dialogs.save_path = str(out)
    win.export_summary()
    qtbot.waitUntil(lambda: bool(dialogs.export_done), timeout=30000)
    with av.open(str(out)) as c:
        frames = sum(1 for _ in c.decode(video=0))
    # frames whose time t (k / 25) is in [1, 3) or [5, 7.5): 50 + 63
    assert frames == sum(1 for k in range(9 * 25) if 1 <= k / 25 < 3 or 5 <= k / 25 < 7.5)
    assert len(dialogs.errors) == 1
