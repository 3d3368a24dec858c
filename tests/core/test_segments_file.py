"""The segments file (core.segments_file): versioned JSON that says which ends are
inclusive, old files without a version still read, CSVs, one-line errors, and the
Summary the app shows for a file."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from trim_desktop.core.errors import UsageError
from trim_desktop.core.export import write_segments_csv, write_summary_json
from trim_desktop.core.segments_file import (
    SEGMENTS_VERSION,
    read_segments_file,
    summary_from_file,
    write_segments_json,
)
from trim_desktop.core.select import Segment, Summary


def summary() -> Summary:
    segs = [
        Segment(i, 60 * i, 60 * i + 59, 2.0 * i, 2.0 * i + 2.0, 0.1 * i, i % 2 == 1, f"reason {i}")
        for i in range(4)
    ]
    return Summary(
        segs,
        np.linspace(0, 1, 16),
        np.arange(0, 240, 15),
        np.arange(16) / 2,
        8.0,
        240,
        0.25,
        30.0,
        {"video": "/x/v.mp4"},
    )


INFO = SimpleNamespace(path="/x/v.mp4", duration=8.0, fps=30.0, n_frames=240)


def test_json_has_a_version_and_says_which_ends_are_inclusive(tmp_path):
    p = write_segments_json(summary(), tmp_path / "s.json")
    doc = json.loads(p.read_text())
    assert doc["format_version"] == SEGMENTS_VERSION == 2
    assert "end_frame are both inclusive" in doc["ends"] and "end_time exclusive" in doc["ends"]
    assert Summary.from_dict(doc).to_dict() == summary().to_dict()  # still a Summary
    sf = read_segments_file(p)
    assert sf.version == 2 and sf.duration == 8.0 and sf.video == "/x/v.mp4"
    assert sf.kept == [(2.0, 4.0), (6.0, 8.0)]


def test_old_files_without_a_version_still_read(tmp_path):
    p = write_summary_json(summary(), tmp_path / "old.json")  # as written before v2
    assert "format_version" not in json.loads(p.read_text())
    sf = read_segments_file(p)
    assert sf.version == 1 and sf.kept == [(2.0, 4.0), (6.0, 8.0)]
    csv_file = write_segments_csv(summary(), tmp_path / "old.csv")
    assert read_segments_file(csv_file).kept == [(2.0, 4.0), (6.0, 8.0)]


def test_hand_written_files(tmp_path):
    p = tmp_path / "hand.json"
    p.write_text(
        json.dumps(
            [
                {"start_time": 1, "end_time": 2.5},
                {"start_time": 3, "end_time": 4, "selected": False},
            ]
        )
    )
    assert read_segments_file(p).kept == [(1.0, 2.5)]
    q = tmp_path / "lossless.csv"
    q.write_text('\ufeff1.5,3,intro\n\n5,6.25,"a, b"\n')
    sf = read_segments_file(q)
    assert sf.kept == [(1.5, 3.0), (5.0, 6.25)] and sf.segments[1]["reason"] == "a, b"


@pytest.mark.parametrize(
    "text, words",
    [
        ("{", "not JSON"),
        ('{"a": 1}', 'no "segments" list'),
        ('{"format_version": 3, "segments": []}', "newer TRIM Desktop"),
        ('[{"start_time": 2, "end_time": 1}]', "piece 1 runs from 2.0 to 1.0"),
        ('[{"start_time": "x", "end_time": 1}]', "lacks a numeric start_time"),
    ],
)
def test_bad_files_give_one_line(tmp_path, text, words):
    p = tmp_path / "bad.json"
    p.write_text(text)
    with pytest.raises(UsageError) as e:
        read_segments_file(p)
    assert words in str(e.value) and "\n" not in str(e.value) and "bad.json" in str(e.value)


def test_summary_from_a_full_file_keeps_scores_and_reasons(tmp_path):
    sf = read_segments_file(write_segments_json(summary(), tmp_path / "s.json"))
    s = summary_from_file(sf, INFO)
    assert [g.selected for g in s.segments] == [False, True, False, True]
    assert [g.reason for g in s.segments] == [f"reason {i}" for i in range(4)]
    assert len(s.sample_scores) == 16 and "s.json" in s.extra["rule"]


def test_summary_from_a_csv_tiles_only_its_pieces(tmp_path):
    q = tmp_path / "cut.csv"
    q.write_text("4,6,b\n1,2,a\n")
    s = summary_from_file(read_segments_file(q), INFO)
    assert [(g.start_time, g.end_time, g.selected) for g in s.segments] == [
        (1.0, 2.0, True),
        (4.0, 6.0, True),
    ]
    assert s.segments[1].start_frame == 120 and s.segments[1].end_frame == 179
    assert s.selected_duration == 3.0
    with pytest.raises(UsageError, match=r"describes a video of 8\.0 s"):
        summary_from_file(
            read_segments_file(write_segments_json(summary(), tmp_path / "s.json")),
            SimpleNamespace(**{**INFO.__dict__, "duration": 30.0}),
        )
