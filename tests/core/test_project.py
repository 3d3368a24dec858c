"""Project files: a round trip restores the same kept ranges without training; damaged,
foreign, newer and mismatched files end in a one-line ProjectError; writes are atomic."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from tests.core.test_session import FAST, kept_time
from trim_desktop.core import project
from trim_desktop.core.errors import OutputError, TrimError
from trim_desktop.core.project import ProjectError
from trim_desktop.core.session import Session


@pytest.fixture
def video(tmp_path):
    """A 3 MiB stand-in for a video (identity reads bytes, never decodes)."""
    p = tmp_path / "talk.mp4"
    p.write_bytes(os.urandom(3 << 20))
    return p


def edited_session(path):
    s = Session()
    s.open(str(path))
    s.run(None, FAST)
    segs = s.summary.segments
    s.toggle(next(i for i, g in enumerate(segs) if not g.selected))
    i, seg = next((i, g) for i, g in enumerate(s.summary.segments) if g.duration >= 2)
    s.split(round((seg.start_time + seg.end_time) / 2, 3))
    k, g = next((k, g) for k, g in enumerate(s.summary.segments) if g.selected and g.duration >= 1)
    s.trim(k, "end", round(g.end_time - 0.4, 3))
    return s


def saved(s, video, tmp_path, name="talk.trimproj"):
    proj = project.from_session(s, FAST, project.video_identity(video))
    return project.save(proj, tmp_path / name)


def test_round_trip_restores_the_same_kept_ranges_without_training(calls, video, tmp_path):
    s = edited_session(video)
    path = saved(s, video, tmp_path)
    assert path.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    data = json.loads(path.read_text())
    assert data["format"] == "trim-desktop-project" and data["version"] == project.VERSION
    assert "device" not in data["settings"]  # this computer's, never the file's

    loaded = project.load(path)
    assert loaded.settings == FAST.replace(device="auto")
    assert project.locate_video(loaded, path) == str(video.resolve())
    t = Session()
    t.open(str(video))
    t.restore(loaded, FAST)
    assert kept_time(t) == kept_time(s) and t.cuts == s.cuts and t.edits == s.edits
    assert [g.selected for g in t.summary.segments] == [g.selected for g in s.summary.segments]
    assert t.edited_pieces() == s.edited_pieces()

    before = dict(calls)
    t.run(None, FAST)  # features again, the scores kept
    assert calls["extract"] == before["extract"] + 1 and calls["score"] == before["score"]
    assert t.plan(FAST) is None and kept_time(t) == kept_time(s)
    t.undo()  # nothing before the restored state
    assert kept_time(t) == kept_time(s)
    t.run(None, FAST.replace(budget=0.5))  # a budget change only re-selects
    assert calls["score"] == before["score"]
    t.run(None, FAST.replace(gamma=0.0))  # a weight change trains
    assert calls["score"] == before["score"] + 1


def test_restored_scores_are_retrained_when_the_settings_differ(calls, video, tmp_path):
    loaded = project.load(saved(edited_session(video), video, tmp_path))
    t = Session()
    t.open(str(video))
    t.restore(loaded, FAST)
    before = calls["score"]
    t.run(None, FAST.replace(beta=3.0))
    assert calls["score"] == before + 1


def test_a_restored_project_with_another_length_only_reselects(calls, video, tmp_path):
    s = edited_session(video)
    loaded = project.load(saved(s, video, tmp_path))
    t = Session()
    t.open(str(video))
    t.restore(loaded, FAST)
    before = dict(calls)
    updates = t.run(None, FAST.replace(budget=0.5))
    assert [type(u).__name__ for u in updates] == ["Extracted", "Selected"]
    assert calls["score"] == before["score"] and calls["select"] == before["select"] + 1
    assert t.summary.budget == 0.5 and t.cuts == s.cuts  # the edits laid over it


@pytest.mark.parametrize(
    "content,words",
    [
        (b'{"format": "trim-desktop-project", "version": 1, "summ', "damaged (not valid JSON"),
        (b'{"hello": "world"}', "not a TRIM Desktop project"),
        (b"\x00\x9f\xff binary", "not a TRIM Desktop project"),
        (b"[1, 2, 3]", "not a TRIM Desktop project"),
        (b'{"format": "trim-desktop-project", "version": 7}', "newer TRIM Desktop"),
        (b'{"format": "trim-desktop-project", "version": "1"}', "damaged"),
        (b'{"format": "trim-desktop-project", "version": 1}', "damaged (bad or missing 'summary')"),
    ],
)
def test_bad_files_give_one_line_errors(tmp_path, content, words):
    p = tmp_path / "x.trimproj"
    p.write_bytes(content)
    with pytest.raises(ProjectError) as err:
        project.load(p)
    msg = str(err.value)
    assert words in msg and "x.trimproj" in msg and "\n" not in msg
    assert isinstance(err.value, TrimError) and err.value.exit_code == 3


def test_a_damaged_field_is_named(calls, video, tmp_path):
    path = saved(edited_session(video), video, tmp_path)
    original = path.read_text()
    for key, value, name in (
        ("edits", [[3, 1, True]], "edits"),
        ("settings", {"budget": "lots"}, "settings.budget"),
        ("settings", {"alpha": "x"}, "settings.alpha"),
        ("cuts", "12", "cuts"),
        ("video", {"path": "/v"}, "video.size"),
    ):
        data = json.loads(original)
        data[key] = value
        path.write_text(json.dumps(data))
        with pytest.raises(ProjectError, match=f"missing '{name}'"):
            project.load(path)
    with pytest.raises(ProjectError, match="No such file"):
        project.load(tmp_path / "none.trimproj")


def test_other_video_moved_video_and_missing_video(calls, video, tmp_path):
    path = saved(edited_session(video), video, tmp_path)
    proj = project.load(path)
    data = bytearray(video.read_bytes())
    data[-10] ^= 0xFF  # same size, other content at the end
    video.write_bytes(bytes(data))
    with pytest.raises(
        ProjectError, match=re.escape("'talk.mp4' is not the video it was made from")
    ):
        project.locate_video(proj, path)
    data[-10] ^= 0xFF
    elsewhere = tmp_path / "moved"
    elsewhere.mkdir()
    (elsewhere / "talk.mp4").write_bytes(bytes(data))
    shutil.move(str(path), elsewhere / "talk.trimproj")
    video.unlink()
    moved = elsewhere / "talk.trimproj"
    assert project.locate_video(proj, moved) == str((elsewhere / "talk.mp4").resolve())
    (elsewhere / "talk.mp4").unlink()
    with pytest.raises(ProjectError, match="was not found"):
        project.locate_video(proj, moved)
    assert project.matches(proj, proj.video)


def test_a_failed_write_leaves_no_temp_file_and_keeps_the_old_project(
    calls, video, tmp_path, monkeypatch
):
    s = edited_session(video)
    path = saved(s, video, tmp_path)
    good = path.read_bytes()

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project.os, "replace", broken)
    with pytest.raises(OutputError, match="No space left"):
        saved(s, video, tmp_path)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["talk.mp4", "talk.trimproj"]
    with pytest.raises(OutputError):
        project.save(project.load(path), tmp_path / "no such folder" / "x.trimproj")


def test_identity_and_autosave_name(video, tmp_path):
    a = project.video_identity(video)
    copy = tmp_path / "copy.mp4"
    shutil.copy(video, copy)
    b = project.video_identity(copy)
    assert a.same_content(b) and a.key == b.key and a.path != b.path
    assert project.autosave_path(tmp_path, a).name == f"{a.key}.trimproj"
    with pytest.raises(ProjectError, match="Cannot read"):
        project.video_identity(tmp_path / "none.mp4")


def test_nothing_to_save_before_a_summary(video):
    s = Session()
    s.open(str(video))
    with pytest.raises(ProjectError, match="summarize the video first"):
        project.from_session(s, FAST, project.video_identity(video))
