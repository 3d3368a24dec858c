"""core.api: the GUI's export never replaces a file it was not told it may replace."""

from __future__ import annotations

import pytest

from tests.media import make_video
from trim_desktop.core import api
from trim_desktop.core.errors import OutputError


def test_an_export_keeps_a_file_that_appeared_meanwhile(tmp_path):
    src = make_video(tmp_path / "v.mp4", duration=2, fps=10, size=(64, 48), scene_s=1)
    out = tmp_path / "summary.mp4"
    out.write_bytes(b"someone else's file")  # appeared after the save dialog
    with pytest.raises(OutputError):
        api.export(src, [(0.0, 1.0)], out, replace=False)
    assert out.read_bytes() == b"someone else's file"
    assert api.export(src, [(0.0, 1.0)], out, replace=True) == out  # the user said replace
    assert out.stat().st_size > 100
