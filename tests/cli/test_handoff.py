"""trim-summarize's hand-off options (issue 19 items 4, 5, 7): --list cut lists (each
read back by its own reader), --from-segments (exactly the kept pieces, no training),
per-video side files in a batch ({stem} templates, folders) and the collision checks."""

from __future__ import annotations

import csv
import json
import shutil
import time
from pathlib import Path

import av
import opentimelineio as otio
import pytest

from tests.media import make_video
from tests.robustness.conftest import FAST, files_under, one_error_line
from trim_desktop.cli.summarize import main
from trim_desktop.core.export import write_segments_csv

RUN = FAST + ["--engine", "torch"]
FPS = 30


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    """8 s, 30 fps, four 2 s scenes, with sound."""
    return make_video(
        tmp_path_factory.mktemp("handoff") / "clip.mp4",
        duration=8.0,
        fps=FPS,
        size=(160, 120),
        scene_s=2.0,
    )


@pytest.fixture
def src(clip, tmp_path) -> Path:
    p = tmp_path / "v.mp4"
    shutil.copy2(clip, p)
    return p


@pytest.fixture
def cli(capsys):
    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        cap = capsys.readouterr()
        return code, cap.out, cap.err

    return run


def kept_of(segments_json: Path) -> list[tuple[float, float]]:
    doc = json.loads(segments_json.read_text())
    return [(s["start_time"], s["end_time"]) for s in doc["segments"] if s["selected"]]


def merged(ranges):
    out = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def video_seconds(path: Path) -> tuple[int, float]:
    """(frames, seconds of picture) of a video file, decoded with PyAV."""
    with av.open(str(path)) as c:
        times = [f.time for f in c.decode(video=0)]
    return len(times), max(times) + 1 / FPS


# ---------------------------------------------------------------- --list


def test_list_is_repeatable_and_every_format_reads_back(src, cli, tmp_path):
    names = ["c.otio", "c.edl", "c.fcpxml", "c.chapters.txt", "c.srt", "c.ffconcat", "c.csv"]
    code, out, err = cli(
        src,
        "--no-export",
        "--budget",
        "40",
        *[a for n in names for a in ("--list", tmp_path / n)],
        *RUN,
    )
    assert code == 0, err
    pieces = merged(kept_of(tmp_path / "v.summary.json"))
    assert pieces, "the summary keeps something"
    for name, adapter, kw in (
        ("c.otio", "otio_json", {}),
        ("c.edl", "cmx_3600", {"rate": FPS}),
        ("c.fcpxml", "fcpx_xml", {}),
    ):
        tl = otio.adapters.read_from_file(str(tmp_path / name), adapter, **kw)
        got = [
            (
                c.source_range.start_time.to_seconds(),
                c.source_range.end_time_exclusive().to_seconds(),
            )
            for c in tl.find_clips()
        ]
        assert len(got) == len(pieces), name
        for (a, b), (x, y) in zip(got, pieces):
            assert abs(a - x) <= 1 / FPS and abs(b - y) <= 1 / FPS, (name, got, pieces)
    total = sum(b - a for a, b in pieces)
    with av.open(str(tmp_path / "c.ffconcat"), format="concat", options={"safe": "0"}) as c:
        assert c.duration / 1e6 == pytest.approx(total, abs=1e-3)
    rows = list(csv.reader((tmp_path / "c.csv").open(newline="")))
    assert [
        pytest.approx((float(a), float(b)), abs=1e-6) == p for (a, b, _), p in zip(rows, pieces)
    ] == [True] * len(pieces)
    chapters = (tmp_path / "c.chapters.txt").read_text().splitlines()
    assert len(chapters) == len(pieces) and chapters[0].startswith("0:00 ")
    assert (tmp_path / "c.srt").read_text().count(" --> ") == len(pieces)


def test_unknown_list_ending_exit_2_before_any_work(src, cli, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(cache))
    code, out, err = cli(src, "--list", tmp_path / "cuts.txt", *RUN)
    line = one_error_line(err)
    assert code == 2 and "cuts.txt" in line and ".otio" in line and ".ffconcat" in line
    assert files_under(cache) == [] and files_under(tmp_path) == ["v.mp4"]


# ---------------------------------------------------------------- --from-segments


def edited_doc(version: bool = True) -> dict:
    """A segments file of the 8 s clip, edited by hand: pieces 0-2 s and 4-6 s kept."""
    segs = [
        {
            "index": i,
            "start_frame": 60 * i,
            "end_frame": 60 * i + 59,
            "start_time": 2.0 * i,
            "end_time": 2.0 * i + 2.0,
            "score": 0.5,
            "selected": i in (0, 2),
            "reason": "",
            "junk": "",
        }
        for i in range(4)
    ]
    doc = {
        "segments": segs,
        "sample_scores": [0.5] * 16,
        "frame_indices": list(range(0, 240, 15)),
        "timestamps": [i / 2 for i in range(16)],
        "duration": 8.0,
        "n_frames": 240,
        "budget": 0.15,
        "fps": 30.0,
        "extra": {},
    }
    if version:
        doc = {"format": "trim-desktop segments", "format_version": 2, **doc}
    return doc


@pytest.fixture
def no_training(monkeypatch, tmp_path):
    """Any feature extraction or training fails the test; the feature cache stays empty."""
    from trim_desktop.core import features, pipeline

    def boom(*a, **k):
        raise AssertionError("--from-segments must not extract features or train")

    for mod, name in (
        (pipeline, "summarize"),
        (pipeline, "extract"),
        (pipeline, "rescore"),
        (features, "extract_features"),
    ):
        monkeypatch.setattr(mod, name, boom)
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(cache))
    return cache


@pytest.mark.parametrize(
    "kind", ["json v2", "json without a version", "segments csv", "losslesscut csv"]
)
def test_from_segments_exports_exactly_the_kept_pieces(src, cli, tmp_path, no_training, kind):
    seg = tmp_path / ("edited.csv" if "csv" in kind else "edited.json")
    doc = edited_doc(version=kind == "json v2")
    if kind.startswith("json"):
        seg.write_text(json.dumps(doc))
    elif kind == "segments csv":
        write_segments_csv(doc["segments"], seg)
    else:
        seg.write_text('0,2,first\n4.0,6.0,"second, kept"\n')
    out = tmp_path / "re.mp4"
    started = time.monotonic()
    code, _, err = cli(src, "--from-segments", seg, "-o", out, "--list", tmp_path / "re.csv", "-q")
    assert code == 0, err
    assert time.monotonic() - started < 30
    frames, seconds = video_seconds(out)
    assert frames == 120 and seconds == pytest.approx(4.0, abs=1 / FPS)
    rows = list(csv.reader((tmp_path / "re.csv").open(newline="")))
    assert [(float(a), float(b)) for a, b, _ in rows] == [(0.0, 2.0), (4.0, 6.0)]
    assert files_under(no_training) == []
    assert not (tmp_path / "re.json").exists(), "no new segments file: the edited one is it"


def test_from_segments_refuses_another_videos_file_and_nothing_kept(
    src, cli, tmp_path, no_training
):
    doc = edited_doc()
    doc["duration"] = 20.0
    seg = tmp_path / "other.json"
    seg.write_text(json.dumps(doc))
    code, _, err = cli(src, "--from-segments", seg, "-q")
    assert code == 2 and "describes a video of 20.0 s" in one_error_line(err)
    doc = edited_doc()
    for s in doc["segments"]:
        s["selected"] = False
    seg.write_text(json.dumps(doc))
    code, _, err = cli(src, "--from-segments", seg, "-q")
    assert code == 2 and "keeps no piece" in one_error_line(err)
    doc["format_version"] = 99
    seg.write_text(json.dumps(doc))
    code, _, err = cli(src, "--from-segments", seg, "-q")
    assert code == 2 and "newer TRIM Desktop" in one_error_line(err)
    code, _, err = cli(src, "--from-segments", tmp_path / "missing.json", "-q")
    assert code == 2 and "no such file" in one_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".mp4") == ["v.mp4"]


def test_from_segments_never_writes_over_its_own_file(src, cli, tmp_path, no_training):
    seg = tmp_path / "edited.csv"
    seg.write_text("0,2,a\n")
    before = seg.read_text()
    code, _, err = cli(src, "--from-segments", seg, "--list", seg, "--force", "-q")
    assert code == 2 and "is the --from-segments file" in one_error_line(err)
    code, _, err = cli(src, "--from-segments", seg, "--scores", tmp_path / "s.csv", "-q")
    assert code == 2 and "summarizes nothing" in one_error_line(err)
    assert seg.read_text() == before and files_under(tmp_path) == ["edited.csv", "v.mp4"]


# ---------------------------------------------------------------- batches


def test_batch_templates_give_each_video_its_own_files(clip, cli, tmp_path):
    a, b = tmp_path / "a.mp4", tmp_path / "b.mp4"
    shutil.copy2(clip, a)
    shutil.copy2(clip, b)
    o = tmp_path / "o"
    code, _, err = cli(
        a,
        b,
        "--output-dir",
        o,
        "--no-export",
        "--segments",
        "{stem}.seg.json",
        "--scores",
        f"{tmp_path}/scores/",
        "--list",
        tmp_path / "cuts/{stem}.srt",
        "--list",
        "{name}.csv",
        *RUN,
    )
    assert code == 0, err
    for stem in ("a", "b"):
        seg = o / f"{stem}.seg.json"
        pieces = merged(kept_of(seg))
        assert (tmp_path / "scores" / f"{stem}.scores.csv").is_file()
        assert (tmp_path / "cuts" / f"{stem}.srt").read_text().count(" --> ") == len(pieces)
        rows = list(csv.reader((o / f"{stem}.mp4.csv").open(newline="")))
        assert len(rows) == len(pieces)

    # and the batch's edited files go back the same way: one summary per video
    code, _, err = cli(a, b, "--output-dir", o, "--from-segments", o / "{stem}.seg.json", "-q")
    assert code == 0, err
    for stem in ("a", "b"):
        total = sum(y - x for x, y in merged(kept_of(o / f"{stem}.seg.json")))
        assert video_seconds(o / f"{stem}.summary.mp4")[1] == pytest.approx(total, abs=1 / FPS)


def test_batch_side_files_that_collide_are_refused_before_work(clip, cli, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("TRIM_DESKTOP_CACHE", str(cache))
    x, y = tmp_path / "x", tmp_path / "y"
    x.mkdir(), y.mkdir()
    shutil.copy2(clip, x / "v.mp4")
    shutil.copy2(clip, y / "v.mp4")
    o = tmp_path / "o"
    cases = [
        (["--list", tmp_path / "one.edl"], "--list names one file, but 2 videos"),
        (["--from-segments", tmp_path / "one.json"], "--from-segments names one file"),
        (["--list", f"{tmp_path}/{{stem}}.edl"], "would both write '" + f"{tmp_path}/v.edl"),
        (["--output-dir", o, "--list", "{stem}.edl"], "would both write"),  # same stem
        (["--segments", "{stem}.summary.mp4"], "are the same file"),  # = the MP4
        (["--list", "{stem}.xml"], "Cannot tell the cut list format"),
        (["--list", "{stme}.edl"], "knows {stem} and {name}"),
        (["--list", tmp_path], "is a folder; give a name template"),
    ]
    for extra, words in cases:
        code, _, err = cli(x / "v.mp4", y / "v.mp4", *extra, *RUN)
        line = one_error_line(err)
        assert code == 2 and words in line, (extra, line)
    assert files_under(cache) == [] and not o.exists()
    assert files_under(tmp_path) == ["x/v.mp4", "y/v.mp4"]


def test_one_video_with_a_template_lands_beside_its_summary(src, cli, tmp_path):
    o = tmp_path / "elsewhere"
    o.mkdir()
    code, _, err = cli(
        src, "-o", o / "short.mp4", "--segments", "{stem}.seg.json", "--list", "{stem}.srt", *RUN
    )
    assert code == 0, err
    assert sorted(p.name for p in o.iterdir()) == ["short.mp4", "v.seg.json", "v.srt"]
