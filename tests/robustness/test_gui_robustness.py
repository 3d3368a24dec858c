"""The desktop window with awkward inputs: a one-line dialog for every bad input or
output, the app stays usable, cancel and close leave no thread or temporary file, a
damaged settings file means defaults. Drives MainWindow as tests/gui does."""

from __future__ import annotations

import os
import shutil
import threading
import time

import pytest

from tests.gui.conftest import (  # noqa: F401 - fixtures, used as test parameters
    clip,
    dialogs,
    fast_training,
    gui_env,
    make_window,
    wait_idle,
    window,
)
from tests.robustness.conftest import enospc, files_under, sha256, temp_leftovers, trim_threads

pytestmark = pytest.mark.slow


def open_ok(qtbot, win, path):
    win.open_video(str(path))
    qtbot.waitUntil(lambda: win.info is not None, timeout=15000)


def summarize(qtbot, win, path, budget=0.30):
    win.panel.set_budget(budget)
    open_ok(qtbot, win, path)
    win.summarize()
    qtbot.waitUntil(lambda: win.summary is not None, timeout=60000)
    wait_idle(qtbot, win)


def job_threads_finished(win) -> bool:
    return all(j.qthread.isFinished() for j in list(win.jobs.jobs))


BAD = ["zero_byte.mp4", "truncated.mp4", "text.mp4", "image_png.mp4", "audio_only.mp4"]


def test_bad_inputs_show_one_line_dialog_and_app_stays_usable(window, corpus, qtbot, dialogs):
    hashes = {n: sha256(corpus(n)) for n in BAD}
    for n in BAD:
        before = len(dialogs.errors)
        window.open_video(str(corpus(n)))
        qtbot.waitUntil(lambda before=before: len(dialogs.errors) > before, timeout=15000)
        text, details = dialogs.errors[-1]
        assert text.startswith(f"Cannot read '{n}': ") and "\n" not in text, text
        assert details is None  # a user error: no traceback shown
        assert window.path is None and not window.actions_["summarize"].isEnabled()
        assert not window.is_busy()
    assert "still image" in dialogs.errors[3][0] and "no video stream" in dialogs.errors[4][0]
    open_ok(qtbot, window, corpus("no_audio.mp4"))  # still usable
    assert window.actions_["summarize"].isEnabled()
    assert {n: sha256(corpus(n)) for n in BAD} == hashes


def test_odd_but_valid_video_summarizes_in_the_app(window, corpus, qtbot, dialogs):
    """Shorter than one shot: the app shows a summary (the best shot), not an error."""
    src = corpus("shorter_than_a_shot.mp4")
    summarize(qtbot, window, src, budget=0.15)
    assert not dialogs.errors
    assert window.summary.selected
    assert "too short" in window.message_text()  # status bar, or notice bar when long


def test_export_errors_show_dialog_and_leave_nothing(
    window, corpus, qtbot, dialogs, tmp_path, read_only_dir, monkeypatch
):
    src = tmp_path / "in" / "holiday.mp4"
    src.parent.mkdir()
    shutil.copy(corpus("good.mp4"), src)
    before = sha256(src)
    summarize(qtbot, window, src)

    def export_to(path):
        n = len(dialogs.errors)
        dialogs.save_path = str(path)
        window.export_summary()
        qtbot.waitUntil(lambda: len(dialogs.errors) > n or bool(dialogs.export_done), timeout=30000)
        wait_idle(qtbot, window)
        assert not dialogs.export_done
        return dialogs.errors[-1][0]

    # read-only folder (chattr +i)
    text = export_to(read_only_dir / "summary.mp4")
    assert text.startswith("Cannot write 'summary.mp4'") and "read-only" in text
    assert files_under(read_only_dir) == []
    # the input itself
    text = export_to(src)
    assert "it is the input video" in text
    assert sha256(src) == before and files_under(src.parent) == ["holiday.mp4"]
    # the disk fills up half way (ENOSPC injected after a few frames)
    from trim_desktop.core import export as core_export

    orig, calls = core_export._Exporter._encode_video, {"n": 0}

    def encode(self, *a, **k):
        calls["n"] += 1
        if calls["n"] > 3:
            raise enospc()
        return orig(self, *a, **k)

    monkeypatch.setattr(core_export._Exporter, "_encode_video", encode)
    outdir = tmp_path / "full"
    outdir.mkdir()
    text = export_to(outdir / "summary.mp4")
    assert text == "Cannot write 'summary.mp4': the disk is full"
    assert files_under(outdir) == []
    monkeypatch.setattr(core_export._Exporter, "_encode_video", orig)  # the disk has room again
    # every failure was one line, and the app still exports fine afterwards
    assert all("\n" not in t for t, _ in dialogs.errors)
    dialogs.save_path = str(outdir / "summary.mp4")
    window.export_summary()
    qtbot.waitUntil(lambda: bool(dialogs.export_done), timeout=30000)
    assert files_under(outdir) == ["summary.mp4"]
    assert sha256(src) == before


def test_cancel_during_features_in_app(window, corpus, qtbot, dialogs, gui_env):
    cache = gui_env.parent.parent / "cache"
    src = corpus("long_scenes.mp4")
    open_ok(qtbot, window, src)
    threads = trim_threads()
    window.summarize()
    qtbot.waitUntil(
        lambda: (
            "Looking at the video" in window.activity.stage_label.text()
            and window.activity.bar.value() > 0
        ),
        timeout=30000,
    )
    t0 = time.monotonic()
    window.cancel()
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert "cancelled" in window.activity.stage_label.text().lower()
    qtbot.waitUntil(lambda: job_threads_finished(window), timeout=2000)
    assert trim_threads() == threads
    assert not temp_leftovers(cache) and not dialogs.errors
    assert window.actions_["summarize"].isEnabled()


def test_cancel_during_kts_in_app(window, corpus, qtbot, dialogs, monkeypatch):
    """KTS on a short clip takes milliseconds, so it is held open until cancelled."""
    from trim_desktop.core import pipeline

    real, entered = pipeline.shots_for, threading.Event()

    def slow_shots(features, settings, progress=None, cancel=None):
        entered.set()
        end = time.monotonic() + 10
        while not cancel.cancelled and time.monotonic() < end:
            time.sleep(0.01)
        return real(features, settings, progress, cancel)  # raises Cancelled at once

    monkeypatch.setattr(pipeline, "shots_for", slow_shots)
    open_ok(qtbot, window, corpus("no_audio.mp4"))
    window.summarize()
    qtbot.waitUntil(entered.is_set, timeout=30000)
    t0 = time.monotonic()
    window.cancel()
    qtbot.waitUntil(lambda: not window.is_busy(), timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert window.summary is None and not dialogs.errors
    qtbot.waitUntil(lambda: job_threads_finished(window), timeout=2000)


def test_close_window_during_features_exits_cleanly(make_window, corpus, qtbot, gui_env):
    cache = gui_env.parent.parent / "cache"
    win = make_window()
    open_ok(qtbot, win, corpus("long_scenes.mp4"))
    threads = trim_threads()
    win.summarize()
    qtbot.waitUntil(lambda: win.activity.bar.value() > 0, timeout=30000)
    jobs = list(win.jobs.jobs)
    t0 = time.monotonic()
    win.close()
    assert time.monotonic() - t0 < 5.0
    # the window closes at once; the cancelled jobs end behind it (gui.jobs.wait_behind)
    qtbot.waitUntil(lambda: jobs and all(j.qthread.isFinished() for j in jobs), timeout=10000)
    qtbot.waitUntil(lambda: trim_threads() == threads, timeout=5000)
    assert not temp_leftovers(cache)


@pytest.mark.parametrize("damage", ["binary", "half-written", "wrong-types"])
def test_damaged_settings_file_starts_with_defaults(damage, make_window, gui_env, qtbot, corpus):
    if damage == "binary":
        gui_env.write_bytes(os.urandom(4096) + b"\x00\xff[weights]\x00budget=\xfe")
    elif damage == "half-written":
        gui_env.write_text("[weights]\npreset=sho")  # cut off mid-write
        gui_env.write_bytes(gui_env.read_bytes() + b"\n[summary]\nbudget=0.2")
        gui_env.write_bytes(gui_env.read_bytes()[:-3])
    else:
        gui_env.write_text(
            "[summary]\nbudget=@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x5)\n"
            "[weights]\ncustom=true\nalpha=nan\nbeta=inf\n[ui]\ngeometry=1\n"
            "[player]\nvolume=-5\n"
        )
    win = make_window()
    v = win.panel.values()
    assert v["preset"] == "auto" and not win.panel.custom
    assert 0.05 <= v["budget"] <= 0.5
    assert win.player.volume.value() in range(0, 101)
    open_ok(qtbot, win, corpus("no_audio.mp4"))  # usable
    win.close()
    # and the file is rewritten in a good state
    win2 = make_window()
    assert win2.panel.values()["preset"] == "auto"


@pytest.mark.parametrize("where", ["read-only folder", "a folder in its place"])
def test_settings_that_cannot_be_saved_never_stop_the_app(
    where, make_window, gui_env, qtbot, monkeypatch, tmp_path, request
):
    """Issue 21, "what a user tries next": the settings file cannot be written (its folder
    is read-only, or a folder has its name). The app starts with defaults, works, and
    closes without an error; nothing is written anywhere else."""
    if where == "read-only folder":
        folder = request.getfixturevalue("read_only_dir")
        ini = folder / "trim.ini"
    else:
        ini = tmp_path / "taken.ini"
        ini.mkdir()
        folder = ini
    monkeypatch.setenv("TRIM_DESKTOP_SETTINGS", str(ini))
    win = make_window()
    assert win.panel.values()["preset"] == "auto"
    win.store.set("paths/last_export_folder", str(tmp_path))
    win.close()
    assert os.listdir(folder) == []
