"""Every awkward input through ``trim-summarize`` (in-process): one clear line and a
documented exit code for bad inputs, a sensible summary for valid-but-odd ones, never a
partial output, never a changed source. docs/robustness.md has the table."""

from __future__ import annotations

import errno
import json
import os
import shutil

import av
import pytest

from tests.robustness.conftest import (
    FAST,
    enospc,
    files_under,
    one_error_line,
    sha256,
    temp_leftovers,
)

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- bad inputs: exit 3

BAD_INPUTS = [
    # corpus name, words the one line must contain
    ("zero_byte.mp4", "empty (0 bytes)"),
    ("truncated.mp4", "not a readable video file"),
    ("text.mp4", "not a readable video file"),
    ("image_png.mp4", "still image (PNG), not a video"),
    ("image_jpeg.mp4", "still image (JPEG), not a video"),
    ("audio_only.mp4", "no video stream"),
]


@pytest.mark.parametrize("name,words", BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_one_line_exit_3(corpus, name, words, run_cli, out_dir, cache_dir):
    src = corpus(name)
    before = sha256(src)
    code, out, err = run_cli(src, "--output-dir", out_dir, *FAST)
    line = one_error_line(err)
    assert code == 3
    assert line.startswith(f"error: Cannot read '{src.name}': ") and words in line, line
    assert files_under(out_dir) == []
    assert not temp_leftovers(src.parent, cache_dir)
    assert sha256(src) == before


def test_missing_file_exit_3(run_cli, tmp_path, out_dir):
    code, out, err = run_cli(tmp_path / "gone.mp4", "--output-dir", out_dir, *FAST)
    assert code == 3 and "gone.mp4" in one_error_line(err) and "no such file" in err
    assert files_under(out_dir) == []


def test_unreadable_file_exit_3(corpus, run_cli, tmp_path, out_dir, cache_dir, monkeypatch):
    """Root ignores mode bits, so the refusal is simulated: the file is chmod 000 and every
    way our code opens it (FFmpeg via av.open, Python's open for the cache key) raises
    PermissionError(EACCES), as they do for a normal user."""
    import builtins

    src = tmp_path / "locked.mp4"
    shutil.copy(corpus("good.mp4"), src)
    before = sha256(src)
    os.chmod(src, 0)
    real_av_open, real_open = av.open, builtins.open

    def deny(target):
        return os.path.abspath(os.fspath(target)) == str(src)

    def av_open(file, *a, **k):
        if isinstance(file, (str, os.PathLike)) and deny(file):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_av_open(file, *a, **k)

    def py_open(file, *a, **k):
        if isinstance(file, (str, os.PathLike)) and deny(file):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *a, **k)

    monkeypatch.setattr(av, "open", av_open)
    monkeypatch.setattr(builtins, "open", py_open)
    code, out, err = run_cli(src, "--output-dir", out_dir, *FAST)
    monkeypatch.setattr(av, "open", real_av_open)
    monkeypatch.setattr(builtins, "open", real_open)
    os.chmod(src, 0o644)
    assert code == 3
    assert one_error_line(err) == "error: Cannot read 'locked.mp4': permission denied"
    assert files_under(out_dir) == [] and sha256(src) == before


# ---------------------------------------------------------------- bad outputs: exit 4


def test_read_only_output_folder_exit_4(corpus, run_cli, read_only_dir, cache_dir):
    src = corpus("good.mp4")
    before = sha256(src)
    code, out, err = run_cli(src, "--output-dir", read_only_dir, *FAST)
    line = one_error_line(err)
    assert code == 4 and "read-only" in line and "good.summary.mp4" in line, line
    assert files_under(read_only_dir) == []
    assert sha256(src) == before


def test_output_equal_to_input_exit_2(corpus, run_cli, tmp_path):
    """A usage error since issue 21 (was exit 4): refused before any work."""
    src = tmp_path / "same.mp4"
    shutil.copy(corpus("good.mp4"), src)
    before = sha256(src)
    code, out, err = run_cli(src, "-o", src, *FAST)
    assert code == 2 and "is the input video itself" in one_error_line(err)
    # through another spelling of the same path, and via the core directly
    code, out, err = run_cli(src, "-o", tmp_path / "." / "same.mp4", *FAST)
    assert code == 2
    from trim_desktop.core.errors import OutputError
    from trim_desktop.core.export import export_mp4

    with pytest.raises(OutputError, match="it is the input video"):
        export_mp4(src, [(0.0, 1.0)], src)
    assert sha256(src) == before and files_under(tmp_path) == ["same.mp4"]


def test_existing_output_is_kept_without_force(corpus, run_cli, out_dir):
    src = corpus("good.mp4")
    taken = out_dir / "good.summary.mp4"
    taken.write_bytes(b"an earlier summary")
    code, out, err = run_cli(src, "--output-dir", out_dir, *FAST)
    assert code == 4 and "already exists; use --force" in one_error_line(err)
    assert taken.read_bytes() == b"an earlier summary"
    assert files_under(out_dir) == ["good.summary.mp4"]


def test_disk_fills_up_during_export_real_tmpfs(corpus, run_cli, tiny_disk, cache_dir):
    """A real 64 KiB file system: the whole-video export (~80 KB) cannot fit."""
    src = corpus("good.mp4")
    before = sha256(src)
    assert os.path.getsize(src) > 64 * 1024
    code, out, err = run_cli(src, "--output-dir", tiny_disk, "--budget", "100", *FAST)
    line = one_error_line(err)
    assert code == 4 and "disk is full" in line, line
    assert files_under(tiny_disk) == []
    assert sha256(src) == before


def test_disk_full_mid_export_simulated(corpus, run_cli, out_dir, cache_dir, monkeypatch):
    """ENOSPC injected after a few encoded frames (works without mount rights)."""
    from trim_desktop.core import export as core_export

    orig, calls = core_export._Exporter._encode_video, {"n": 0}

    def encode(self, *a, **k):
        calls["n"] += 1
        if calls["n"] > 5:
            raise enospc()
        return orig(self, *a, **k)

    monkeypatch.setattr(core_export._Exporter, "_encode_video", encode)
    src = corpus("good.mp4")
    code, out, err = run_cli(src, "--output-dir", out_dir, "--budget", "100", *FAST)
    assert code == 4
    assert one_error_line(err) == "error: Cannot write 'good.summary.mp4': the disk is full"
    assert calls["n"] > 5 and files_under(out_dir) == []


def test_disk_full_on_the_side_file_removes_the_mp4_too(
    corpus, run_cli, out_dir, cache_dir, monkeypatch
):
    """The MP4 is complete, then the JSON cannot be written: all outputs or none."""
    from trim_desktop.core import export as core_export

    real_replace, real_link = os.replace, os.link

    def replace(a, b):
        if str(b).endswith(".json"):
            raise enospc()
        return real_replace(a, b)

    def link(a, b):  # without --force the final step is a hard link (never replaces)
        if str(b).endswith(".json"):
            raise enospc()
        return real_link(a, b)

    monkeypatch.setattr(core_export.os, "replace", replace)
    monkeypatch.setattr(core_export.os, "link", link)
    code, out, err = run_cli(corpus("good.mp4"), "--output-dir", out_dir, *FAST)
    assert code == 4 and "disk is full" in one_error_line(err)
    assert files_under(out_dir) == []


def test_full_disk_for_the_cache_only_warns(corpus, run_cli, out_dir, tmp_path, monkeypatch):
    """The feature cache is an optimisation: a cache on a full disk never fails a run."""
    from trim_desktop.core import cache as core_cache

    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(tmp_path / "cache"))

    def no_space(*a, **k):
        raise enospc()

    monkeypatch.setattr(core_cache.np, "savez", no_space)
    code, out, err = run_cli(corpus("good.mp4"), "--output-dir", out_dir, *FAST)
    assert code == 0, err
    assert "note: Features not cached: cannot write the feature cache" in err
    # no feature entry and no partial file (the exported ONNX network is a separate, whole file)
    assert [f for f in files_under(tmp_path / "cache") if not f.startswith("onnx/")] == []
    assert files_under(out_dir) == ["good.summary.json", "good.summary.mp4"]


# ---------------------------------------------------------------- valid but odd: exit 0


def read_mp4(path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = list(c.decode(video=0))
        return {
            "frames": len(frames),
            "width": v.codec_context.width,
            "height": v.codec_context.height,
            "audio": bool(c.streams.audio),
            "rotation": frames[0].rotation if frames else 0,
        }


ODD_VALID = [
    # name, expected output properties, expect a "too short" note
    ("one_frame.mp4", dict(frames=1, audio=True), "the whole video"),
    ("one_second.mp4", dict(audio=True), "too short"),
    ("shorter_than_a_shot.mp4", dict(audio=True), "too short"),
    ("long_static.mp4", dict(audio=False, width=320, height=240), None),
    ("uhd_4k.mp4", dict(width=3840, height=2160, audio=False), "too short"),
    ("odd_size.mp4", dict(width=320, height=240, audio=True), "too short"),
    ("rotated_phone.mp4", dict(width=320, height=240, audio=True), None),
    ("vfr.mp4", dict(audio=True), None),
    ("hevc_10bit.mp4", dict(audio=True), "too short"),
    ("no_audio.mp4", dict(audio=False), None),
    ("corrupt_frames.mp4", dict(audio=True), None),
    ("dir with spaces/Vidéo d'été – 夏.mp4", dict(audio=True), "too short"),
]


@pytest.mark.parametrize(
    "name,expect,note", ODD_VALID, ids=[o[0].split("/")[-1] for o in ODD_VALID]
)
def test_valid_odd_input_succeeds(corpus, name, expect, note, run_cli, cache_dir, tmp_path):
    src = corpus(name)
    before = sha256(src)
    out_dir = tmp_path / "résumés et plus"  # odd characters on the output side too
    code, out, err = run_cli(src, "--output-dir", out_dir, *FAST)
    assert code == 0, err
    assert "error:" not in err and "Traceback" not in err
    stem = src.stem
    assert files_under(out_dir) == sorted([f"{stem}.summary.json", f"{stem}.summary.mp4"])
    doc = json.loads((out_dir / f"{stem}.summary.json").read_text(encoding="utf-8"))
    selected = [s for s in doc["segments"] if s["selected"]]
    assert selected, "a valid video always gets a non-empty summary"
    assert doc["segments"][0]["start_time"] == 0.0
    assert all(0 <= s["start_time"] < s["end_time"] for s in doc["segments"])
    got = read_mp4(out_dir / f"{stem}.summary.mp4")
    assert got["frames"] >= 1
    for k, v in expect.items():
        assert got[k] == v, (k, got)
    if name.startswith("rotated"):
        assert got["rotation"] in (90, -90, 270, -270)  # display matrix kept
    if note:
        assert "note: " in err and note in err, err
    if name == "long_static.mp4":  # 200 s, one unchanging picture: ~15 % kept
        kept = sum(s["end_time"] - s["start_time"] for s in selected)
        assert 0 < kept <= 0.15 * 200 + 1e-6
    assert sha256(src) == before
    assert not temp_leftovers(src.parent, cache_dir)
    assert src.stem in out  # the one summary line


# ---------------------------------------------------------------- batch


def test_batch_of_good_and_bad_exit_7(corpus, run_cli, tmp_path, cache_dir):
    folder = tmp_path / "batch"
    folder.mkdir()
    for name in ("no_audio.mp4", "zero_byte.mp4", "text.mp4"):
        shutil.copy(corpus(name), folder / name)
    out_dir = tmp_path / "summaries"
    code, out, err = run_cli(folder, "--output-dir", out_dir, *FAST)
    assert code == 7
    assert err.count("error: ") == 2
    assert "Batch: 1 of 3 summarized, 2 failed." in out
    assert files_under(out_dir) == [
        "no_audio.summary.json",
        "no_audio.summary.mp4",
        "trim-batch-report.json",
    ]
    report = json.loads((out_dir / "trim-batch-report.json").read_text())
    assert sorted(r.get("code", 0) for r in report) == [0, 3, 3]
