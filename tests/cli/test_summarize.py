"""trim-summarize end to end: real efficientnet-lite0 weights, generated and real videos."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import av
import pytest

from tests.media import make_video
from trim_desktop.cli.summarize import main

pytestmark = pytest.mark.slow


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stream_info(path: Path):
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = sum(1 for _ in c.decode(video=0))
        audio = [s for s in c.streams if s.type == "audio"]
        return frames, v.codec_context.name, bool(audio)


@pytest.fixture(scope="module")
def scene_video(tmp_path_factory) -> Path:
    return make_video(
        tmp_path_factory.mktemp("cli") / "scenes.mp4",
        duration=12,
        fps=30,
        size=(320, 240),
        scene_s=3,
    )


def test_summarize_generated_video_with_audio(scene_video, tmp_path, capsys):
    before = sha256(scene_video)
    out = tmp_path / "summary.mp4"
    scores = tmp_path / "scores.csv"
    code = main(
        [
            str(scene_video),
            "-o",
            str(out),
            "--backbone",
            "efficientnet-lite0",
            "--scores",
            str(scores),
            "--seed",
            "3",
            "-q",
        ]
    )
    assert code == 0
    assert sha256(scene_video) == before, "the source video must never change"
    frames, codec, has_audio = stream_info(out)
    assert codec == "h264" and has_audio
    doc = json.loads(out.with_suffix(".json").read_text())
    selected = [s for s in doc["segments"] if s["selected"]]
    expected = sum(s["end_frame"] - s["start_frame"] + 1 for s in selected)
    assert frames == expected
    assert 0 < frames <= int(12 * 30 * 0.15) + 1
    lines = scores.read_text().strip().splitlines()
    assert len(lines) - 1 == 24  # 12 s at 2 samples per second
    assert "efficientnet-lite0" in capsys.readouterr().out


def test_same_seed_gives_identical_segments(scene_video, tmp_path):
    runs = []
    for i in range(2):
        seg = tmp_path / f"seg{i}.json"
        assert (
            main(
                [
                    str(scene_video),
                    "--no-export",
                    "--segments",
                    str(seg),
                    "--backbone",
                    "efficientnet-lite0",
                    "--seed",
                    "5",
                    "-q",
                ]
            )
            == 0
        )
        runs.append(json.loads(seg.read_text())["segments"])
    assert runs[0] == runs[1]


def test_refuses_to_overwrite_source_and_existing_outputs(scene_video, tmp_path, capsys):
    before = sha256(scene_video)
    assert main([str(scene_video), "-o", str(scene_video), "-q"]) == 2  # a usage error (issue 21)
    assert sha256(scene_video) == before
    existing = tmp_path / "taken.mp4"
    existing.write_bytes(b"keep me")
    assert main([str(scene_video), "-o", str(existing), "-q"]) == 4
    assert existing.read_bytes() == b"keep me"
    err = capsys.readouterr().err
    assert "already exists" in err and "input video itself" in err


def test_unreadable_input_one_line_and_code_3(tmp_path, capsys):
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video")
    assert main([str(bad), "-q"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    assert list(tmp_path.iterdir()) == [bad], "no partial output may be left"


def test_batch_folder_continues_after_a_failure(scene_video, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    good = folder / "a.mp4"
    good.write_bytes(scene_video.read_bytes())
    (folder / "b.mp4").write_bytes(b"\x00" * 100)
    outdir = tmp_path / "out"
    code = main(
        [str(folder), "--output-dir", str(outdir), "--backbone", "efficientnet-lite0", "-q"]
    )
    assert code == 7
    assert (outdir / "a.summary.mp4").is_file()
    assert not (outdir / "b.summary.mp4").exists()
    report = json.loads((outdir / "trim-batch-report.json").read_text())
    assert [r["ok"] for r in report] == [True, False]
    assert "1 of 2 summarized" in capsys.readouterr().out


def test_help_is_readable():
    proc = subprocess.run(
        [sys.executable, "-m", "trim_desktop.cli.summarize", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    for word in ("--budget", "--preset", "L_PTRIM", "exit codes", "--no-stage1"):
        assert word in proc.stdout


@pytest.mark.realclip
def test_real_clip_end_to_end(real_clip, tmp_path):
    out = tmp_path / "bunny.mp4"
    assert main([str(real_clip), "-o", str(out), "--backbone", "efficientnet-lite0", "-q"]) == 0
    frames, codec, _ = stream_info(out)
    doc = json.loads(out.with_suffix(".json").read_text())
    assert frames == sum(
        s["end_frame"] - s["start_frame"] + 1 for s in doc["segments"] if s["selected"]
    )
    assert len(doc["segments"]) >= 2


def test_train_precision_option_reaches_the_settings():
    from trim_desktop.cli.summarize import build_parser, settings_from_args

    args = build_parser().parse_args(["v.mp4", "--train-precision", "fp32"])
    assert settings_from_args(args).train_precision == "fp32"
    assert settings_from_args(build_parser().parse_args(["v.mp4"])).train_precision == "auto"
    with pytest.raises(SystemExit):
        build_parser().parse_args(["v.mp4", "--train-precision", "fp16"])


def test_length_and_selection_options():
    from trim_desktop.cli.summarize import build_parser, parse_length, settings_from_args

    for text, seconds in (
        ("90s", 90.0),
        ("90", 90.0),
        ("2m", 120.0),
        ("1.5min", 90.0),
        ("1:30", 90.0),
        ("1:02:03", 3723.0),
    ):
        assert parse_length(text) == seconds
    args = build_parser().parse_args(["v.mp4", "--length", "90s", "--selection", "paper"])
    s = settings_from_args(args)
    assert s.length_seconds == 90.0 and s.selection == "paper"
    default = settings_from_args(build_parser().parse_args(["v.mp4"]))
    assert default.length_seconds is None and default.selection == "app"
    for bad in (["--length", "soon"], ["--length", "0"], ["--selection", "best"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["v.mp4", *bad])


def test_length_in_seconds_sets_the_summary_length(scene_video, tmp_path):
    seg = tmp_path / "seg.json"
    assert (
        main(
            [
                str(scene_video),
                "--no-export",
                "--segments",
                str(seg),
                "--length",
                "3s",
                "--backbone",
                "efficientnet-lite0",
                "-q",
            ]
        )
        == 0
    )
    doc = json.loads(seg.read_text())
    kept = sum(s["end_time"] - s["start_time"] for s in doc["segments"] if s["selected"])
    assert 2.5 <= kept <= 3.0 + 1e-6
    assert doc["extra"]["selection"] == "app"
    assert all(s["reason"] for s in doc["segments"])


# ---------------------------------------------------------------- export choices

FAST_RUN = ["--backbone", "efficientnet-lite0", "--steps1", "2", "--steps2", "4", "-q"]


@pytest.fixture(scope="module")
def two_track_video(tmp_path_factory) -> Path:
    from tests.media import make_two_track_video

    return make_two_track_video(
        tmp_path_factory.mktemp("cli2") / "two.mp4",
        duration=12.0,
        size=(160, 120),
        scene_s=3.0,
        gop=10,
    )


def test_unknown_output_ending_is_exit_2_before_any_work(scene_video, tmp_path, capsys):
    for args in (["-o", str(tmp_path / "s.avi")], ["--clips", "-o", str(tmp_path / "s.mp4")]):
        assert main([str(scene_video), *args, "-q"]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ")
    assert list(tmp_path.iterdir()) == []


def test_fast_export_to_mkv_keeps_both_tracks_and_marks_chapters(two_track_video, tmp_path):
    out = tmp_path / "short.mkv"
    assert main([str(two_track_video), "-o", str(out), "--fast", *FAST_RUN]) == 0
    doc = json.loads((tmp_path / "short.mkv.json").read_text())
    kept = [s for s in doc["segments"] if s["selected"]]
    with av.open(str(out)) as c:
        assert "matroska" in c.format.name
        assert len(c.streams.audio) == 2
        chapters = c.chapters()
    assert len(chapters) == len(kept)
    assert chapters[0]["metadata"]["title"].startswith("Piece 1 - 0:")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.mkv", "short.mkv.json"]


def test_clips_one_file_per_kept_piece(two_track_video, tmp_path):
    assert (
        main(
            [
                str(two_track_video),
                "--clips",
                "--export-mode",
                "accurate",
                "--output-dir",
                str(tmp_path),
                *FAST_RUN,
            ]
        )
        == 0
    )
    folder = tmp_path / "two.summary-clips"
    doc = json.loads((tmp_path / "two.summary-clips.json").read_text())
    kept = [s for s in doc["segments"] if s["selected"]]
    clips = sorted(folder.iterdir())
    assert len(clips) == len(kept)
    for clip, seg in zip(clips, kept):
        with av.open(str(clip)) as c:
            n = sum(1 for _ in c.decode(video=0))
        assert abs(n / 30 - (seg["end_time"] - seg["start_time"])) <= 1 / 30 + 1e-6
    # without --force an existing clips folder is kept, and nothing else is written
    before = sorted(p.name for p in folder.iterdir())
    assert (
        main(
            [
                str(two_track_video),
                "--clips",
                "-o",
                str(folder),
                "--segments",
                str(tmp_path / "again.json"),
                *FAST_RUN,
            ]
        )
        == 4
    )
    assert sorted(p.name for p in folder.iterdir()) == before
    assert not (tmp_path / "again.json").exists()


def test_help_names_the_export_choices():
    text = build_parser_help()
    for word in (
        "--export-mode",
        "--fast",
        "keyframe",
        "--clips",
        "--clip-format",
        ".mkv",
        "chapter",
    ):
        assert word in text


def build_parser_help() -> str:
    from trim_desktop.cli.summarize import build_parser

    return build_parser().format_help()
