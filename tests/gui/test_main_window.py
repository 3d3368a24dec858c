"""End-to-end tests of the desktop window (pytest-qt, offscreen, real pipeline)."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import av
import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from tests.gui.conftest import wait_idle
from trim_desktop.gui.timeline import relative

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]


def open_clip(qtbot, win, path):
    win.open_video(str(path))
    qtbot.waitUntil(lambda: win.info is not None, timeout=15000)


def summarize(qtbot, win, path, budget=0.30):
    win.panel.set_budget(budget)
    if win.path != os.path.abspath(path):
        open_clip(qtbot, win, path)
    win.summarize()
    qtbot.waitUntil(lambda: win.summary is not None, timeout=60000)
    wait_idle(qtbot, win)


def summary_text(win):
    return win.summary_label.text()


# ---------------------------------------------------------------------------- start-up
def test_window_appears_fast_without_torch(gui_env):
    """The real entry point shows the window before importing torch (loose bound here;
    the measured number goes to the report / benchmarks)."""
    code = (
        "import sys, time; t=time.monotonic();"
        "from trim_desktop.gui import app;"
        "sys.argv=['trim-desktop','--startup-time'];"
        "import PySide6.QtCore as C;"
        "orig=app.main;"
        "rc=app.main(['--startup-time']);"
        "print('torch-before-exit', 'torch' in sys.modules)"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    t0 = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
    )
    wall = time.monotonic() - t0
    m = re.search(r"window shown after ([\d.]+) s", out.stdout)
    assert m, out.stdout + out.stderr
    assert float(m.group(1)) < 10.0
    assert wall < 20.0
    print(f"window shown after {m.group(1)} s (process wall {wall:.2f} s)")


def test_open_video_recent_and_player(window, clip, qtbot):
    win = window
    open_clip(qtbot, win, clip)
    assert win.info.duration == pytest.approx(9.0, abs=0.2)
    assert win.store.recent_files()[0] == str(clip)
    win._fill_recent()
    assert any(a.text() == clip.name for a in win.recent_menu.actions())
    qtbot.waitUntil(lambda: win.player.duration() > 8.5, timeout=10000)
    # seek + frame step + jump
    win.player.seek_to(3.0)
    qtbot.waitUntil(lambda: abs(win.player.position() - 3.0) < 0.05, timeout=5000)
    win.player.step_frames(1)
    assert win.player.position() == pytest.approx(3.0 + 1 / 25, abs=0.02)
    win.player.step_frames(-2)
    assert win.player.position() == pytest.approx(3.0 - 1 / 25, abs=0.02)
    win.actions_["fwd5"].trigger()
    assert win.player.position() == pytest.approx(8.0 - 1 / 25, abs=0.05)
    # timeline click seeks
    win.timeline.click_at(2.0, 0.5)
    assert win.player.position() == pytest.approx(2.0, abs=0.02)
    assert "0:02.0" in win.timeline.describe(2.0)
    # volume
    win.player.volume.setValue(30)
    assert win.player.audio.volume() == pytest.approx(0.3)


def test_drop_opens_video(window, clip, qtbot):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip))])
    ev = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(ev)
    qtbot.waitUntil(lambda: window.info is not None, timeout=15000)
    assert window.path == str(clip)


# ---------------------------------------------------------------------------- pipeline
def test_summarize_retrain_toggle_export(window, clip, qtbot, dialogs, tmp_path):
    win = window
    stages = []
    open_clip(qtbot, win, clip)
    win.activity.stage_label.setObjectName("stageLabel")
    orig_busy = win.activity.busy
    win.activity.busy = lambda text, frac, eta: (stages.append(text), orig_busy(text, frac, eta))
    win.panel.set_budget(0.30)  # 9 s clip, ~1.5 s shots: 15 % would fit none
    summarize(qtbot, win, clip)
    assert not dialogs.errors, dialogs.errors
    assert any("Looking at the video" in s for s in stages)
    assert any("Scoring" in s or "Learning" in s for s in stages)
    n = len(win.features.timestamps)
    assert win.scores.shape == (n,)
    x, y = win.timeline.curve.getData()
    assert len(x) >= n and np.allclose(y[:n], relative(win.scores))
    assert len(win.summary.segments) >= 2 and win.summary.selected
    assert "efficientnet-lite0" in win.backbone_label.text()
    assert "computed" in win.cache_label.text()
    assert "CPU" in win.device_label.text()
    assert re.fullmatch(r"Summary \d+:\d\d(\.\d)? of \d+:\d\d(\.\d)? budget", summary_text(win))

    # --- a slider move retrains from the features in memory and changes the scores
    from trim_desktop.core import pipeline

    calls = {"extract": 0, "score": 0}
    orig_extract, orig_score = pipeline.extract, pipeline.score

    def spy_extract(*a, **k):
        calls["extract"] += 1
        return orig_extract(*a, **k)

    def spy_score(*a, **k):
        calls["score"] += 1
        return orig_score(*a, **k)

    before = win.scores.copy()
    live = []
    orig_set = win.timeline.set_scores
    win.timeline.set_scores = lambda ts, sc: (live.append(np.array(sc)), orig_set(ts, sc))
    try:
        pipeline.extract, pipeline.score = spy_extract, spy_score
        g = win.panel.sliders["gamma"]
        g.setValue(0.0)
        g.slider.setValue(g.slider.value() + 1)  # user move (emits)
        win.panel.sliders["beta"].slider.setValue(200)  # 2.0
        qtbot.waitUntil(lambda: win.is_busy(), timeout=3000)
        wait_idle(qtbot, win)
    finally:
        pipeline.extract, pipeline.score = orig_extract, orig_score
    assert calls["extract"] == 0 and calls["score"] == 1  # debounced: one retrain
    assert not np.allclose(before, win.scores)
    assert len(live) >= 2  # curve redrew while training

    # --- budget-only change: re-select, no training
    try:
        pipeline.score = spy_score
        win.panel.budget.setValue(40)
        qtbot.waitUntil(lambda: win.summary.budget == pytest.approx(0.40), timeout=5000)
        wait_idle(qtbot, win)
    finally:
        pipeline.score = orig_score
    assert calls["score"] == 1
    assert summary_text(win).endswith(" of 0:03.6 budget")

    # --- touch-up: click a shot block in the strip
    text0 = summary_text(win)
    seg = win.summary.segments[0]
    was = seg.selected
    win.timeline.click_at((seg.start_time + seg.end_time) / 2, -0.15)
    assert win.summary.segments[0].selected is (not was)
    assert summary_text(win) != text0
    if not win.summary.selected:
        win.toggle_shot(0)

    # --- preview: jumps from a gap to the next selected shot
    ranges = win.selected_ranges()
    assert win.preview_target(ranges[0][0] + 0.01) == pytest.approx(ranges[0][0] + 0.01)
    assert win.preview_target(ranges[-1][1] + 0.01) is None
    win.set_preview(True)
    assert win.preview.on and win.preview_btn.isChecked()
    assert (
        win.player.position() == pytest.approx(ranges[0][0], abs=0.1)
        or win.preview_target(win.player.position()) is not None
    )
    win.actions_["preview"].trigger()  # P again stops it
    assert not win.preview.on
    win.player.pause()

    # --- export
    out = tmp_path / "out" / "summary.mp4"
    out.parent.mkdir()
    dialogs.save_path = str(out)
    dialogs.export_action = "play"
    win.export_summary()
    qtbot.waitUntil(lambda: bool(dialogs.export_done or dialogs.errors), timeout=60000)
    assert not dialogs.errors, dialogs.errors
    assert dialogs.export_done == [str(out)]
    assert dialogs.opened_urls and dialogs.opened_urls[0].toLocalFile() == str(out)
    with av.open(str(out)) as c:
        assert c.streams.video and c.streams.audio
        frames = sum(1 for _ in c.decode(video=0))
    expected = sum(b - a for a, b in win.selected_ranges()) * 25
    assert frames > 0 and abs(frames - expected) <= 0.15 * expected + 3
    assert sorted(p.name for p in out.parent.iterdir()) == ["summary.mp4"]


def test_features_come_from_cache_second_time(window, clip, qtbot):
    summarize(qtbot, window, clip)
    assert "computed" in window.cache_label.text()
    window.summarize()
    qtbot.waitUntil(lambda: window.is_busy(), timeout=2000)
    wait_idle(qtbot, window)
    assert "from cache" in window.cache_label.text()


def test_cancel_training_returns_to_idle(window, clip, qtbot, monkeypatch):
    from trim_desktop.core import train

    for key, p in list(train.PRESETS.items()):
        monkeypatch.setitem(train.PRESETS, key, dataclasses.replace(p, steps1=5, steps2=5000))
    win = window
    open_clip(qtbot, win, clip)
    win.summarize()
    qtbot.waitUntil(lambda: "Scoring" in win.activity.stage_label.text(), timeout=60000)
    t0 = time.monotonic()
    win.actions_["cancel"].trigger()
    qtbot.waitUntil(lambda: not win.is_busy(), timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert "cancelled" in win.activity.stage_label.text().lower()
    assert not win.activity.cancel_btn.isEnabled()
    assert win.summary is None
    # still usable: a slider change after cancel retrains (features are in memory)
    monkeypatch.setitem(
        train.PRESETS, "short", dataclasses.replace(train.PRESETS["short"], steps2=10)
    )
    monkeypatch.setitem(train.PRESETS, "auto", train.PRESETS["short"])
    win.panel.preset.setCurrentIndex(win.panel.preset.findData("short"))
    qtbot.waitUntil(lambda: win.summary is not None, timeout=30000)


def test_cancel_export_leaves_nothing(window, clip, qtbot, dialogs, tmp_path, monkeypatch):
    from trim_desktop.core import export as core_export

    win = window
    summarize(qtbot, win, clip)
    for i in range(len(win.summary.segments)):  # export the whole clip
        if not win.summary.segments[i].selected:
            win.toggle_shot(i)
    orig = core_export._Exporter._encode_video

    def slow(self, *a, **k):
        time.sleep(0.03)
        return orig(self, *a, **k)

    monkeypatch.setattr(core_export._Exporter, "_encode_video", slow)
    outdir = tmp_path / "exp"
    outdir.mkdir()
    dialogs.save_path = str(outdir / "cut.mp4")
    win.export_summary()
    qtbot.waitUntil(lambda: win.activity.bar.value() > 0, timeout=30000)
    t0 = time.monotonic()
    win.cancel()
    qtbot.waitUntil(lambda: not win.is_busy(), timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert list(outdir.iterdir()) == []
    assert not dialogs.export_done and not dialogs.errors
    assert "cancelled" in win.activity.stage_label.text().lower()


# ---------------------------------------------------------------------------- errors
def test_broken_file_shows_error_and_app_stays_usable(window, clip, qtbot, dialogs, tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_text("this is not a video\n" * 50)
    window.open_video(str(bad))
    qtbot.waitUntil(lambda: bool(dialogs.errors), timeout=15000)
    text, details = dialogs.errors[0]
    assert "broken.mp4" in text and "\n" not in text.strip()
    assert window.path is None and not window.actions_["summarize"].isEnabled()
    open_clip(qtbot, window, clip)
    assert window.actions_["summarize"].isEnabled()


def test_unexpected_exception_dialog_has_details(window, clip, qtbot, dialogs, monkeypatch):
    from trim_desktop.core import pipeline

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(pipeline, "extract", boom)
    open_clip(qtbot, window, clip)
    window.summarize()
    qtbot.waitUntil(lambda: bool(dialogs.errors), timeout=10000)
    wait_idle(qtbot, window)
    text, details = dialogs.errors[0]
    assert "kaboom" in text and "Traceback" in details
    assert window.actions_["summarize"].isEnabled()
    monkeypatch.undo()


def test_missing_file_and_export_without_summary(window, dialogs, tmp_path):
    window.open_video(str(tmp_path / "nope.mp4"))
    assert dialogs.errors and "does not exist" in dialogs.errors[-1][0]
    window.export_summary()
    assert "Summarize" in dialogs.errors[-1][0]


# ---------------------------------------------------------------------------- settings
def test_settings_round_trip(make_window, gui_env, qtbot):
    win = make_window()
    win.panel.preset.setCurrentIndex(win.panel.preset.findData("short"))
    win.panel.sliders["gamma"].setValue(1.5)
    win.panel.budget.setValue(25)
    win.resize(1000, 700)
    win.close()
    win2 = make_window()
    v = win2.panel.values()
    assert v["preset"] == "short" and v["gamma"] == pytest.approx(1.5)
    assert v["budget"] == pytest.approx(0.25)
    assert win2.panel.custom
    assert gui_env.exists()


def test_damaged_settings_fall_back_to_defaults(make_window, gui_env):
    gui_env.write_text(
        "[weights]\ngamma=abc\nalpha=-3\npreset=nonsense\ncustom=true\n"
        "stage1=maybe\n[summary]\nbudget=999\n[ui]\ngeometry=garbage\n"
        "[recent]\nfiles=42\n"
    )
    win = make_window()
    v = win.panel.values()
    assert v["budget"] == pytest.approx(0.15)
    assert v["preset"] == "auto"
    assert not win.panel.custom
    assert v["gamma"] == pytest.approx(win.panel.presets["long"]["gamma"]) or v[
        "gamma"
    ] == pytest.approx(win.panel.presets["auto"]["gamma"])


def test_preset_moves_sliders_and_shortcuts_listed(window):
    p = window.panel
    p.preset.setCurrentIndex(p.preset.findData("paper"))
    assert p.values()["beta"] == pytest.approx(p.presets["paper"]["beta"])
    p.preset.setCurrentIndex(p.preset.findData("short"))
    assert p.values()["gamma"] == pytest.approx(p.presets["short"]["gamma"])
    keys = {k: a.shortcut().toString() for k, a in window.actions_.items()}
    assert keys["play"] == "Space" and keys["frame_back"] == "Left"
    assert keys["frame_fwd"] == "Right" and keys["back5"] == "Shift+Left"
    assert keys["fwd5"] == "Shift+Right" and keys["open"] == "Ctrl+O"
    assert keys["export"] == "Ctrl+E" and keys["summarize"] == "Ctrl+R"
    assert keys["preview"] == "P" and keys["cancel"] == "Esc" and keys["quit"] == "Ctrl+Q"
    help_menu = next(m for m in window.menuBar().actions() if "Help" in m.text()).menu()
    assert any("Keyboard Shortcuts" in a.text() for a in help_menu.actions())
    from trim_desktop.gui.dialogs import SHORTCUTS

    listed = " ".join(k for k, _ in SHORTCUTS)
    for key in ("Space", "Left", "Shift+Left", "Ctrl+O", "Ctrl+E", "Ctrl+R", "P", "Esc", "Ctrl+Q"):
        assert key in listed
    for name in ("α", "β", "γ"):
        assert any(name in s.toolTip() for s in p.sliders.values())


def test_cli_arguments():
    from trim_desktop.gui.app import _parse

    assert _parse([]).video is None and not _parse([]).sample
    assert _parse(["a.mp4"]).video == "a.mp4"
    assert _parse(["--sample"]).sample


def test_change_during_training_cancels_and_restarts(window, clip, qtbot, monkeypatch):
    from trim_desktop.core import pipeline, train

    win = window
    summarize(qtbot, win, clip)
    for key, p in list(train.PRESETS.items()):
        monkeypatch.setitem(train.PRESETS, key, dataclasses.replace(p, steps1=0, steps2=5000))
    seen = []
    orig = pipeline.rescore

    def spy(features, settings, *a, **k):
        seen.append(settings.gamma)
        return orig(features, settings, *a, **k)

    monkeypatch.setattr(pipeline, "rescore", spy)
    win.panel.sliders["gamma"].setValue(2.0)
    qtbot.waitUntil(
        lambda: win.jobs.pipeline is not None and win.jobs.pipeline.name == "rescore", timeout=3000
    )
    first = win.jobs.pipeline
    qtbot.waitUntil(
        lambda: "scoring moments" in win.activity.stage_label.text().lower(), timeout=10000
    )
    win.panel.sliders["gamma"].setValue(3.0)
    qtbot.waitUntil(
        lambda: win.jobs.pipeline is not None and win.jobs.pipeline is not first, timeout=5000
    )
    assert first.cancel_requested and not first.running
    # the new job exists before its thread reaches rescore: wait for the call, not a tick
    qtbot.waitUntil(lambda: len(seen) >= 2, timeout=5000)
    assert seen == [2.0, 3.0]
    win.cancel()
    qtbot.waitUntil(lambda: not win.is_busy(), timeout=3000)
    assert win.summary is not None  # the earlier summary stays on screen


def test_open_sample(window, qtbot, dialogs):
    from trim_desktop.gui.main_window import SAMPLE_VIDEO

    window.open_sample()
    if not SAMPLE_VIDEO.exists():
        assert "sample video is not installed" in dialogs.errors[-1][0]
        return
    qtbot.waitUntil(lambda: window.info is not None, timeout=15000)
    assert window.path == str(SAMPLE_VIDEO) and not dialogs.errors


def test_trained_model_scores_as_is_and_wrong_file_is_reported(
    window, clip, qtbot, dialogs, tmp_path
):
    """Research mode in the app: a trim-train model gives its scores without per-video training."""
    import torch

    from trim_desktop.core.model import TrimScorer
    from trim_desktop.core.modelfile import save_model
    from trim_desktop.core.train import score_with_model

    torch.manual_seed(7)
    model_path = tmp_path / "collection.pt"
    save_model(model_path, TrimScorer(1280).state_dict(), 1280, "efficientnet-lite0", "crop")
    bad = tmp_path / "notes.pt"
    bad.write_text("not a model")
    assert not window.use_model(str(bad))
    assert dialogs.errors and "not a TRIM Desktop model" in dialogs.errors[-1][0]
    assert window.base_settings.model_path is None

    assert window.use_model(str(model_path), "as-is")
    assert "collection.pt" in window.model_label.text()
    summarize(qtbot, window, clip)
    expected = score_with_model(
        window.features.values, torch.load(model_path, weights_only=False)["state_dict"], "cpu"
    )
    assert np.allclose(window.scores, expected, atol=1e-5)
    window.use_model(None)
    assert window.base_settings.model_path is None
    assert "each video" in window.model_label.text()


def test_closing_the_window_stops_playback(window, clip, qtbot):
    from PySide6.QtMultimedia import QMediaPlayer

    open_clip(qtbot, window, clip)
    window.player.play()
    qtbot.waitUntil(
        lambda: window.player.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState,
        timeout=5000,
    )
    window.close()  # stops from Qt's event loop (see Player.stop_soon): not at once
    qtbot.waitUntil(
        lambda: window.player.player.playbackState() == QMediaPlayer.PlaybackState.StoppedState,
        timeout=5000,
    )


def test_opening_another_video_while_playing_switches_to_it(window, clip, qtbot, tmp_path):
    """The old media stops and the new one loads (both from Qt's event loop: see
    Player._set_source_soon), and the new one plays."""
    import shutil

    from PySide6.QtMultimedia import QMediaPlayer

    other = tmp_path / "other.mp4"
    shutil.copy(clip, other)
    open_clip(qtbot, window, clip)
    window.player.play()
    qtbot.waitUntil(
        lambda: window.player.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState,
        timeout=5000,
    )
    open_clip(qtbot, window, other)
    qtbot.waitUntil(lambda: window.player.player.source().toLocalFile() == str(other), timeout=5000)
    # not playing for the user (a muted play to the first frame may run: Player doc)
    assert not window.player.playing
    qtbot.waitUntil(lambda: window.player.primed, timeout=5000)
    assert window.player.player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    window.player.play()
    qtbot.waitUntil(
        lambda: window.player.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState,
        timeout=5000,
    )
