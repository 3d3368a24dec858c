"""Thumbnails and the contact sheet: the right frame of each piece, a whole PNG or none."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from tests.media import make_video, scene_frame
from trim_desktop.core import thumbnails
from trim_desktop.core.errors import InputVideoError


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    return make_video(
        tmp_path_factory.mktemp("thumbs") / "v.mp4",
        duration=6.0,
        fps=25,
        size=(160, 120),
        scene_s=1.5,
        audio=False,
    )


def test_frames_come_from_the_asked_times(video):
    frames = thumbnails.grab_frames(video, [4.0, 0.5, 2.0], width=80)
    assert [f.shape for f in frames] == [(60, 80, 3)] * 3
    for f, t, scene in zip(frames, (4.0, 0.5, 2.0), (2, 0, 1)):  # scene k: [1.5k, 1.5k+1.5)
        refs = [
            cv2.resize(scene_frame(k, t, 160, 120), (80, 60), interpolation=cv2.INTER_AREA)
            for k in range(4)
        ]
        diffs = [np.abs(f.astype(int) - r.astype(int)).mean() for r in refs]
        assert int(np.argmin(diffs)) == scene, diffs


def test_contact_sheet_is_a_grid_with_times(video, tmp_path):
    out = tmp_path / "sheet.png"
    ranges = [(0.0, 1.5), (1.5, 3.0), (3.0, 4.5), (4.5, 6.0), (0.2, 0.9)]
    assert thumbnails.export_contact_sheet(video, ranges, out, columns=2, width=80) == str(out)
    img = cv2.imread(str(out))
    assert img is not None
    # 2 columns x 3 rows of 80x60 cells with labels
    assert img.shape[1] == 2 * (80 + 8) + 8 and img.shape[0] == 3 * (60 + 24 + 8) + 8
    assert thumbnails.piece_labels([(0, 1.5), (62, 70)]) == ["1  0:00-0:02", "2  1:02-1:10"]
    assert [p for p in os.listdir(tmp_path) if p != "sheet.png"] == []  # no temp left


def test_bad_inputs_leave_nothing(video, tmp_path):
    with pytest.raises(ValueError):
        thumbnails.export_contact_sheet(video, [], tmp_path / "a.png")
    with pytest.raises(ValueError):
        thumbnails.export_contact_sheet(video, [(0, 1)], video)  # never replaces the video
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video")
    with pytest.raises(InputVideoError):
        thumbnails.export_contact_sheet(bad, [(0, 1)], tmp_path / "b.png")
    assert sorted(os.listdir(tmp_path)) == ["bad.mp4"]
