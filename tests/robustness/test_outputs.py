"""Issue 21, the output side: no output ever lands on another output or an input, two
runs never silently replace each other's file, a batch never shares one side file,
odd output folders give one line, and files get the user's umask. Videos are tiny
(64x48, 4 s), so each CLI run takes a few seconds."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

import av
import pytest

from tests.robustness.conftest import FAST, files_under, one_error_line, sha256, temp_leftovers
from tests.robustness.odd_media import make_clip
from trim_desktop.core import export as core_export
from trim_desktop.core.errors import OutputError


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """A 4 s 64x48 H.264 + AAC clip (read-only for the tests: never changed)."""
    return make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", "mp4", duration=4.0)


@pytest.fixture
def src(clip, tmp_path) -> Path:
    """A private copy of the clip, so outputs beside it land in this test's folder
    (copy2 keeps the mtime: the feature cache knows the copy)."""
    p = tmp_path / "v.mp4"
    shutil.copy2(clip, p)
    return p


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture
def warm(shared_cache, monkeypatch) -> Path:
    """One feature cache for the runs that succeed: the clip's features are computed once."""
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(shared_cache))
    return shared_cache


RUN = FAST + ["--engine", "torch"]  # one tiny clip: no ONNX export per test


def file_names(folder) -> list[str]:
    """The files directly in ``folder`` (not the test's cache folder)."""
    return sorted(p.name for p in Path(folder).iterdir() if p.is_file())


def refused_before_work(code, err, cache_dir, words, exit_code=2):
    line = one_error_line(err)
    assert code == exit_code, err
    assert words in line, line
    assert files_under(cache_dir) == [], "refused after computing features"
    return line


# ---------------------------------------------------------------- 1: outputs vs outputs/inputs


def test_summary_and_segments_on_one_path_exit_2(src, run_cli, tmp_path, cache_dir):
    same = tmp_path / "same.mp4"
    code, out, err = run_cli(src, "-o", same, "--segments", same, *RUN)
    line = refused_before_work(code, err, cache_dir, "are the same file")
    assert line.startswith("error: -o/--output and --segments are the same file"), line
    assert files_under(tmp_path) == ["v.mp4"]


def test_segments_and_scores_on_one_path_exit_2(src, run_cli, tmp_path, cache_dir):
    code, out, err = run_cli(
        src,
        "-o",
        tmp_path / "sc.mp4",
        "--segments",
        tmp_path / "sc.json",
        "--scores",
        tmp_path / "sc.json",
        *RUN,
    )
    refused_before_work(code, err, cache_dir, "--segments and --scores are the same file")
    # the default segments name (beside the MP4) against --scores, too
    code, out, err = run_cli(src, "-o", tmp_path / "sc.mp4", "--scores", tmp_path / "sc.json", *RUN)
    refused_before_work(code, err, cache_dir, "The segments file and --scores are the same file")
    assert files_under(tmp_path) == ["v.mp4"]


def test_output_through_a_hard_link_or_symlink_to_the_input_exit_2(
    src, run_cli, tmp_path, cache_dir
):
    before = sha256(src)
    hard = tmp_path / "hard.mp4"
    os.link(src, hard)
    code, out, err = run_cli(src, "-o", hard, "--force", *RUN)
    refused_before_work(code, err, cache_dir, "is the input video itself")
    soft = tmp_path / "soft.json"
    soft.symlink_to(src)
    code, out, err = run_cli(src, "-o", tmp_path / "s.mp4", "--segments", soft, "--force", *RUN)
    refused_before_work(code, err, cache_dir, "is the input video itself")
    assert sha256(src) == before and sorted(os.listdir(tmp_path)) == [
        "hard.mp4",
        "soft.json",
        "v.mp4",
    ]


def test_output_on_another_input_of_the_batch_exit_2(src, run_cli, tmp_path, cache_dir):
    """``v.mp4`` would write ``v.summary.mp4``, which is the batch's other input."""
    other = tmp_path / "v.summary.mp4"
    other.write_bytes(src.read_bytes())
    before = sha256(other)
    code, out, err = run_cli(src, other, "--force", *RUN)
    refused_before_work(code, err, cache_dir, "is the input video")
    assert sha256(other) == before


# ---------------------------------------------------------------- 2: batch side files


def test_batch_with_one_segments_or_scores_file_exit_2(src, clip, run_cli, tmp_path, cache_dir):
    o = tmp_path / "o"
    o.mkdir()
    for flag, name in (("--segments", "seg.json"), ("--scores", "sc.csv")):
        code, out, err = run_cli(src, clip, "--output-dir", o, flag, o / name, "--force", *RUN)
        line = refused_before_work(code, err, cache_dir, f"{flag} names one file, but 2 videos")
        assert "leave " + flag + " out" in line
        assert "a folder or a name template such as {stem}." in line  # the way to do it
    assert files_under(o) == []


def test_batch_videos_with_one_name_in_two_folders_exit_2(clip, run_cli, tmp_path, cache_dir):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    (a / "x.mp4").write_bytes(clip.read_bytes())
    (b / "x.mp4").write_bytes(clip.read_bytes())
    o = tmp_path / "o"
    code, out, err = run_cli(a / "x.mp4", b / "x.mp4", "--output-dir", o, *RUN)
    refused_before_work(code, err, cache_dir, "would both write")
    assert files_under(o) == []


def test_the_same_video_twice_is_summarized_once(src, run_cli, tmp_path, warm):
    code, out, err = run_cli(src, tmp_path / "." / "v.mp4", *RUN)
    assert code == 0, err
    assert "is listed more than once; it is summarized once" in err
    assert file_names(tmp_path) == ["v.mp4", "v.summary.json", "v.summary.mp4"]


# ---------------------------------------------------------------- 3: two runs, one name


def test_an_output_that_appears_meanwhile_is_kept(src, run_cli, tmp_path, warm, monkeypatch):
    """The other run finishes first (simulated: it writes the name while we train):
    without --force we keep its file and exit 4; with --force we replace it."""
    from trim_desktop.core import pipeline

    real = pipeline.summarize
    target = tmp_path / "s.mp4"

    def summarize_then_the_other_run_finishes(*a, **k):
        result = real(*a, **k)
        target.write_bytes(b"the other run's summary")
        return result

    monkeypatch.setattr(pipeline, "summarize", summarize_then_the_other_run_finishes)
    code, out, err = run_cli(src, "-o", target, *RUN)
    line = one_error_line(err)
    assert code == 4 and "appeared while this run was working" in line, line
    assert target.read_bytes() == b"the other run's summary"
    assert file_names(tmp_path) == ["s.mp4", "v.mp4"]
    assert not temp_leftovers(tmp_path)
    target.unlink()
    code, out, err = run_cli(src, "-o", target, "--force", *RUN)
    assert code == 0, err
    assert target.read_bytes() != b"the other run's summary"


def test_a_side_file_that_appears_meanwhile_removes_our_mp4_too(
    src, run_cli, tmp_path, warm, monkeypatch
):
    real = core_export.export_mp4
    seg = tmp_path / "s.json"

    def export_then_other_writes_json(*a, **k):
        out = real(*a, **k)
        seg.write_text("{}")
        return out

    monkeypatch.setattr(core_export, "export_mp4", export_then_other_writes_json)
    code, out, err = run_cli(src, "-o", tmp_path / "s.mp4", *RUN)
    assert code == 4 and "appeared while" in one_error_line(err)
    assert seg.read_text() == "{}" and not (tmp_path / "s.mp4").exists()


@pytest.mark.parametrize("hard_links", [True, False], ids=["link", "no-hard-links"])
def test_place_never_replaces_without_force(tmp_path, monkeypatch, hard_links):
    """The no-replace rename, also on file systems without hard links (FAT, exFAT)."""
    if not hard_links:

        def no_link(a, b):
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(core_export.os, "link", no_link)
    tmp = tmp_path / ".x.partial-1.json"
    tmp.write_text("new")
    core_export.place(tmp, tmp_path / "free.json", replace=False)
    assert (tmp_path / "free.json").read_text() == "new" and not tmp.exists()
    tmp.write_text("new")
    (tmp_path / "taken.json").write_text("old")
    with pytest.raises(core_export.OutputAppeared):
        core_export.place(tmp, tmp_path / "taken.json", replace=False)
    assert (tmp_path / "taken.json").read_text() == "old"
    with pytest.raises(OutputError, match="appeared"):
        core_export.write_summary_json({"a": 1}, tmp_path / "taken.json", replace=False)
    assert (tmp_path / "taken.json").read_text() == "old"
    assert sorted(os.listdir(tmp_path)) == [".x.partial-1.json", "free.json", "taken.json"]


def test_two_real_runs_on_one_name_never_both_succeed(src, tmp_path, warm):
    """Two processes started together on one output, without --force: one summary is
    written, the other run fails with exit 4 (or refuses at start), nothing replaced."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    target = tmp_path / "s.mp4"
    env = dict(os.environ, TRIM_DESKTOP_CACHE=str(warm))
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "trim_desktop.cli.summarize",
                str(src),
                "-o",
                str(target),
                "--budget",
                budget,
                *RUN,
            ],
            cwd=repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for budget in ("10", "40")
    ]
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    codes = sorted(c for c, _ in results)
    assert codes == [0, 4], results
    loser = next(e for c, e in results if c == 4)
    assert "already exists" in loser or "appeared while this run was working" in loser
    assert target.exists() and not temp_leftovers(tmp_path)


# ---------------------------------------------------------------- 7: odd output folders


def test_output_dir_that_is_a_file_exit_2(src, run_cli, tmp_path, cache_dir):
    f = tmp_path / "notes.txt"
    f.write_text("x")
    code, out, err = run_cli(src, "--output-dir", f, *RUN)
    refused_before_work(code, err, cache_dir, "is a file, not a folder")


def test_output_dir_on_a_read_only_mount_exit_4(src, run_cli, read_only_dir, cache_dir):
    code, out, err = run_cli(src, "--output-dir", read_only_dir / "new" / "folder", *RUN)
    line = refused_before_work(code, err, cache_dir, "Cannot create the output folder", 4)
    assert "read-only" in line
    assert files_under(read_only_dir) == []


def test_list_file_that_is_not_utf8_exit_3(src, run_cli, tmp_path, cache_dir):
    lst = tmp_path / "videos.txt"
    lst.write_bytes(f"{src}\n".encode() + "vid\xe9o.mp4\n".encode("latin-1"))
    code, out, err = run_cli(lst, *RUN)
    line = refused_before_work(code, err, cache_dir, "is not UTF-8 text", 3)
    assert "videos.txt" in line


def test_output_named_like_a_folder_or_an_unknown_container_exit_2(
    src, run_cli, tmp_path, cache_dir
):
    (tmp_path / "d").mkdir()
    code, out, err = run_cli(src, "-o", tmp_path / "d", "--force", *RUN)
    refused_before_work(code, err, cache_dir, "is a folder")
    code, out, err = run_cli(src, "-o", tmp_path / "s.webm", *RUN)
    refused_before_work(code, err, cache_dir, "must end in .mp4, .m4v, .mov or .mkv")


# ---------------------------------------------------------------- 9: modes, per-container names


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_get_the_umask_also_when_forced(src, run_cli, tmp_path, warm, umask):
    mp4, seg = tmp_path / "s.mp4", tmp_path / "s.json"
    for p in (mp4, seg):
        p.write_bytes(b"old")
        os.chmod(p, 0o644)
    old = os.umask(umask)
    try:
        code, out, err = run_cli(src, "-o", mp4, "--force", *RUN)
    finally:
        os.umask(old)
    assert code == 0, err
    want = 0o666 & ~umask
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in (mp4, seg)} == {
        "s.mp4": oct(want),
        "s.json": oct(want),
    }


def test_mkv_and_mp4_outputs_keep_their_own_segments_file(src, run_cli, tmp_path, warm):
    code, out, err = run_cli(src, "-o", tmp_path / "x.mkv", *RUN)
    assert code == 0, err
    code, out, err = run_cli(src, "-o", tmp_path / "x.mp4", *RUN)
    assert code == 0, err
    assert file_names(tmp_path) == ["v.mp4", "x.json", "x.mkv", "x.mkv.json", "x.mp4"]
    with av.open(str(tmp_path / "x.mkv")) as c:
        assert "matroska" in c.format.name and c.streams.video
    with av.open(str(tmp_path / "x.mp4")) as c:
        assert "mp4" in c.format.name


# ---------------------------------------------------------------- the cache, as users break it


def test_a_cache_folder_that_is_a_file_only_warns(src, run_cli, tmp_path, monkeypatch):
    """$TRIM_DESKTOP_CACHE names a file (a typo, an old config): the run succeeds with a
    note, and the file is left as it was."""
    bogus = tmp_path / "cache.txt"
    bogus.write_text("my notes")
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(bogus))
    code, out, err = run_cli(src, "-o", tmp_path / "s.mp4", *RUN)
    assert code == 0, err
    assert "note: Features not cached: cannot write the feature cache" in err
    assert bogus.read_text() == "my notes"
    assert file_names(tmp_path) == ["cache.txt", "s.json", "s.mp4", "v.mp4"]


def test_trim_train_model_file_is_never_replaced_unasked(tmp_path):
    """trim-train's model file gets the same no-replace rename (without --force) and
    the umask mode; its temporary file has a name of its own (was: a fixed NAME.part)."""
    from trim_desktop.core.model import TrimScorer
    from trim_desktop.core.modelfile import load_model, save_model

    state = TrimScorer(16).state_dict()
    taken = tmp_path / "m.pt"
    taken.write_bytes(b"someone's model")
    with pytest.raises(core_export.OutputAppeared):
        save_model(taken, state, 16, "unknown", "crop", replace=False)
    assert taken.read_bytes() == b"someone's model"
    old = os.umask(0o022)
    try:
        save_model(tmp_path / "new.pt", state, 16, "unknown", "crop", replace=False)
    finally:
        os.umask(old)
    assert load_model(tmp_path / "new.pt").in_dim == 16
    assert stat.S_IMODE((tmp_path / "new.pt").stat().st_mode) == 0o644
    assert file_names(tmp_path) == ["m.pt", "new.pt"]
