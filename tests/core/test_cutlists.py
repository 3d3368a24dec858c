"""Cut lists (core.cutlists): every format read back by its own reader and checked
against the kept pieces: OpenTimelineIO (and its EDL / FCPXML adapters), PyAV's concat
demuxer for .ffconcat, csv for LosslessCut's CSV, a regex for chapters and SubRip."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import av
import opentimelineio as otio
import pytest

from tests.media import make_video
from trim_desktop.core.cutlists import FORMATS, format_of, write_cutlist
from trim_desktop.core.decode import probe
from trim_desktop.core.errors import UsageError

FPS = 25
RANGES = [(1.0, 2.52), (3.0, 4.0), (4.6, 6.0)]  # 2.52 s: not on a whole second
SUMMARY = sum(b - a for a, b in RANGES)


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    """A 6 s clip at 25 fps whose name needs quoting (a space and a quote)."""
    return make_video(
        tmp_path_factory.mktemp("cut") / "it's a clip.mp4",
        duration=6.0,
        fps=FPS,
        size=(160, 120),
        audio=False,
    )


def clip_ranges(tl) -> list[tuple[float, float]]:
    out = []
    for c in tl.find_clips():
        r = c.source_range
        out.append((r.start_time.to_seconds(), r.end_time_exclusive().to_seconds()))
    return out


def assert_within_a_frame(got, want, fps=FPS):
    assert len(got) == len(want), (got, want)
    for (a, b), (x, y) in zip(got, want):
        assert abs(a - x) <= 1 / fps + 1e-9 and abs(b - y) <= 1 / fps + 1e-9, (got, want)


@pytest.mark.parametrize(
    "ext, adapter, kw",
    [(".otio", "otio_json", {}), (".edl", "cmx_3600", {"rate": FPS}), (".fcpxml", "fcpx_xml", {})],
)
def test_otio_formats_read_back_by_opentimelineio(video, tmp_path, ext, adapter, kw):
    info = probe(video)
    out = write_cutlist(tmp_path / f"cut{ext}", info, RANGES)
    tl = otio.adapters.read_from_file(str(out), adapter, **kw)
    assert_within_a_frame(clip_ranges(tl), RANGES)
    clips = list(tl.find_clips())
    assert all(c.media_reference.target_url == video.resolve().as_uri() for c in clips)
    # the clips play back to back, in order: the record side is the summary
    assert tl.duration().to_seconds() == pytest.approx(SUMMARY, abs=len(RANGES) / FPS)
    if ext != ".edl":  # an EDL carries no frame rate; the others keep the source's
        assert all(c.source_range.start_time.rate == pytest.approx(FPS) for c in clips)


def test_ffconcat_opens_in_pyav_with_the_summary_length(video, tmp_path):
    out = write_cutlist(tmp_path / "cut.ffconcat", video, RANGES)
    assert out.read_text().startswith("ffconcat version 1.0\n")
    with av.open(str(out), format="concat", options={"safe": "0"}) as c:
        assert c.duration / 1e6 == pytest.approx(SUMMARY, abs=1e-3)
        last = max(f.time for f in c.decode(video=0))
    assert SUMMARY - 2 / FPS <= last < SUMMARY


def test_losslesscut_csv_rows_are_the_pieces(video, tmp_path):
    out = write_cutlist(tmp_path / "cut.csv", video, RANGES, labels=["a, b", 'say "hi"', "c"])
    rows = list(csv.reader(out.open(newline="")))
    assert [len(r) for r in rows] == [3, 3, 3]  # no header: start, end, label
    assert [(float(a), float(b)) for a, b, _ in rows] == RANGES  # 6 decimals: exact here
    assert [r[2] for r in rows] == ["a, b", 'say "hi"', "c"]


CHAPTER = re.compile(r"^(?:(\d+):)?(\d+):(\d\d) (.+)$")
SOURCE = re.compile(r"source (\d+):(\d\d):(\d\d\.\d{3}) - (\d+):(\d\d):(\d\d\.\d{3})")


def hms(h, m, s) -> float:
    return int(h or 0) * 3600 + int(m) * 60 + float(s)


def test_chapters_start_at_zero_in_the_summary_timeline(video, tmp_path):
    out = write_cutlist(tmp_path / "talk.chapters.txt", video, RANGES)
    lines = out.read_text().splitlines()
    assert len(lines) == len(RANGES)
    starts = 0.0
    for line, (a, b) in zip(lines, RANGES):
        m = CHAPTER.match(line)
        assert m, line
        assert hms(*m.group(1, 2, 3)) == int(starts)  # whole seconds, in the summary
        src = SOURCE.search(m.group(4))
        assert hms(*src.group(1, 2, 3)) == pytest.approx(a) and hms(
            *src.group(4, 5, 6)
        ) == pytest.approx(b)
        starts += b - a
    assert lines[0].startswith("0:00 ")


CUE = re.compile(r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+)\n")


def test_srt_cues_are_the_pieces_back_to_back(video, tmp_path):
    out = write_cutlist(tmp_path / "cut.srt", video, RANGES)
    cues = CUE.findall(out.read_text())
    assert len(cues) == len(RANGES)
    t = 0.0
    for i, (cue, (a, b)) in enumerate(zip(cues, RANGES)):
        assert int(cue[0]) == i + 1
        start = hms(cue[1], cue[2], cue[3]) + int(cue[4]) / 1000
        end = hms(cue[5], cue[6], cue[7]) + int(cue[8]) / 1000
        assert start == pytest.approx(t, abs=1e-3) and end == pytest.approx(t + b - a, abs=1e-3)
        src = SOURCE.search(cue[9])
        assert hms(*src.group(1, 2, 3)) == pytest.approx(a)
        t += b - a


def test_only_kept_pieces_count_sorted_and_merged(video, tmp_path):
    class Seg:
        def __init__(self, a, b, sel):
            self.start_time, self.end_time, self.selected = a, b, sel

    segs = [Seg(3.0, 4.0, True), Seg(0.0, 1.0, False), Seg(1.0, 2.0, True), Seg(2.0, 3.0, True)]
    out = write_cutlist(tmp_path / "cut.csv", video, segs)
    rows = list(csv.reader(out.open(newline="")))
    assert [(float(a), float(b)) for a, b, _ in rows] == [(1.0, 4.0)]


def test_unknown_ending_names_the_supported_ones(video, tmp_path):
    for name in ("cut.txt", "cut.xml", ".srt", "cut"):
        with pytest.raises(UsageError) as e:
            write_cutlist(tmp_path / name, video, RANGES)
        assert ".otio" in str(e.value) and ".chapters.txt" in str(e.value)
    assert list(tmp_path.iterdir()) == []
    assert format_of("A.CHAPTERS.TXT") == ".chapters.txt" and format_of("x.EDL") == ".edl"
    assert set(FORMATS) == {
        ".otio",
        ".edl",
        ".fcpxml",
        ".chapters.txt",
        ".srt",
        ".ffconcat",
        ".csv",
    }


def test_nothing_kept_is_refused_and_nothing_written(video, tmp_path):
    with pytest.raises(UsageError, match="No piece is kept"):
        write_cutlist(tmp_path / "cut.edl", video, [])
    assert list(tmp_path.iterdir()) == []


def test_replace_false_keeps_an_existing_file(video, tmp_path):
    from trim_desktop.core.export import OutputAppeared

    p = tmp_path / "cut.srt"
    p.write_text("mine")
    with pytest.raises(OutputAppeared):
        write_cutlist(p, video, RANGES, replace=False)
    assert p.read_text() == "mine" and sorted(x.name for x in tmp_path.iterdir()) == ["cut.srt"]


def test_editing_formats_get_a_rate_they_can_state():
    from trim_desktop.core.cutlists import timeline_rate

    assert timeline_rate(".otio", 12.5) == 12.5  # OTIO: any rate
    assert timeline_rate(".edl", 30000 / 1001) == pytest.approx(29.97, abs=1e-3)
    assert timeline_rate(".fcpxml", 30000 / 1001) == 29.97  # the adapter's key
    assert timeline_rate(".edl", 15.0) == 30.0 and timeline_rate(".fcpxml", 12.5) == 25.0
    assert timeline_rate(".edl", 30.0) == 30.0 and timeline_rate(".fcpxml", 24.0) == 24.0
    assert timeline_rate(".edl", 29.46) == pytest.approx(29.97, abs=1e-3)  # VFR average


@pytest.mark.parametrize("fps", [15.0, 30000 / 1001, 12.5])
@pytest.mark.parametrize("ext, adapter", [(".edl", "cmx_3600"), (".fcpxml", "fcpx_xml")])
def test_edl_and_fcpxml_at_other_frame_rates(tmp_path, fps, ext, adapter):
    """Sources at rates EDL / FCPXML cannot state are written at one they can and still
    read back within a frame. The fcpx_xml reader truncates an NTSC rate (29.97 -> 29),
    so its times drift; there the file's own rational times are checked (XML)."""
    import xml.etree.ElementTree as ET
    from fractions import Fraction

    from trim_desktop.core.cutlists import timeline_rate

    video = tmp_path / "src.mp4"  # only named: the rate and length are given
    out = write_cutlist(tmp_path / f"cut{ext}", video, RANGES, fps=fps, duration=6.0)
    rate = timeline_rate(ext, fps)
    kw = {"rate": rate} if ext == ".edl" else {}
    tl = otio.adapters.read_from_file(str(out), adapter, **kw)
    assert len(list(tl.find_clips())) == len(RANGES)
    if ext == ".edl" or rate == int(rate):
        assert_within_a_frame(clip_ranges(tl), RANGES, fps=fps)
    if ext == ".fcpxml":

        def sec(text):
            return float(Fraction(text.rstrip("s")))

        clips = ET.parse(out).getroot().findall("./project/sequence/spine/clip")
        got = [(sec(c.get("start")), sec(c.get("start")) + sec(c.get("duration"))) for c in clips]
        assert_within_a_frame(got, RANGES, fps=fps)
