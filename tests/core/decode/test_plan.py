"""The sampling plan (decode.plan): only frames that can be sampled are decoded, and the
samples stay exactly those of a full decode."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from tests.media import all_frames, cut_with_edit_list, make_video
from trim_desktop.core.decode import iter_samples, probe
from trim_desktop.core.decode.plan import SamplingPlan, decode_planned

# ---------------------------------------------------------------- decoding only what is sampled

_B_FRAMES = {  # 3 B-frames between references, none of them referenced (no pyramid)
    "libx264": {"x264-params": "bframes=3:b-adapt=0:b-pyramid=none"},
    "libx265": {"x265-params": "bframes=3:b-adapt=0:b-pyramid=0:log-level=error"},
}


def _b_frame_video(path, codec="libx264", **kw):
    return make_video(
        path, size=(96, 64), audio=False, codec=codec, codec_options=_B_FRAMES[codec], **kw
    )


def _planned(path, rate):
    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        plan = SamplingPlan(c, vs, rate)
        stats: dict = {}
        out = [(i, f.pts) for i, f in decode_planned(c, vs, plan, stats)]
    return out, stats, plan


@pytest.mark.parametrize(
    "codec,name", [("libx264", "b.mp4"), ("libx264", "b.mkv"), ("libx265", "b.mp4")]
)
def test_unsampled_b_frames_are_skipped_and_samples_stay_exact(tmp_path, codec, name):
    path = _b_frame_video(tmp_path / name, codec=codec, duration=4.0, fps=30)
    frames = all_frames(path)
    decoded, stats, plan = _planned(path, 2.0)
    assert plan.skipping and stats["skippable"] > 0
    # the decoder really dropped frames (here a third: x264 still picks P for some)
    assert len(decoded) <= 0.75 * len(frames)
    # ...yet every sample is the same frame, time, index and pixels as a full decode
    samples = list(iter_samples(path, rate=2.0))
    times = [t for t, _ in frames]
    assert len(samples) == 8
    for k, s in enumerate(samples):
        expected = next(i for i, t in enumerate(times) if t >= k / 2.0 - 1e-6)
        assert s.index == expected
        assert s.time == pytest.approx(times[expected])
        assert np.array_equal(s.image, frames[expected][1])


def test_plan_indices_count_frames_when_all_are_wanted(tmp_path):
    path = _b_frame_video(tmp_path / "b.mp4", duration=2.0, fps=30)
    decoded, stats, _ = _planned(path, 30.0)  # every frame is a sample
    assert stats["skippable"] == 0
    assert [i for i, _ in decoded] == list(range(60))
    assert [p for _, p in decoded] == sorted(p for _, p in decoded)


def test_plan_is_off_for_codecs_and_containers_without_it(tmp_path):
    avi = make_video(
        tmp_path / "m.avi", duration=2.0, fps=30, size=(96, 64), audio=False, codec="mpeg4"
    )
    decoded, stats, plan = _planned(avi, 2.0)
    assert not plan.ranked and not plan.skipping and stats["skippable"] == 0
    assert [i for i, _ in decoded] == list(range(60))


def test_plan_indices_start_at_the_first_shown_frame_of_an_edit_list(tmp_path):
    # a file cut without re-encoding: 39 packets before the cut decode but are not shown
    src = make_video(
        tmp_path / "src.mp4",
        duration=6.0,
        fps=30,
        size=(96, 64),
        audio=False,
        codec_options={"g": "120"},
    )
    cut = cut_with_edit_list(src, tmp_path / "cut.mp4", 1.3)
    with av.open(str(cut)) as c:
        assert sum(p.is_discard for p in c.demux(c.streams.video[0])) > 0
    frames = all_frames(cut)
    assert probe(cut).n_frames == len(frames) == 141  # hidden frames not counted
    samples = list(iter_samples(cut, rate=2.0))
    assert samples[0].index == 0 and samples[0].time == pytest.approx(0.0)
    for s in samples:
        t, img = frames[s.index]
        assert s.time == pytest.approx(t)
        assert np.array_equal(s.image, img)


class _Pkt:
    def __init__(self, pts, size=100):
        self.pts, self.size, self.is_discard = pts, size, False


def test_plan_wants_only_packets_with_a_sampling_instant():
    from types import SimpleNamespace

    stream = SimpleNamespace(
        time_base=Fraction(1, 30), start_time=0, codec_context=SimpleNamespace(name="h264")
    )
    container = SimpleNamespace(format=SimpleNamespace(name="mov,mp4,m4a,3gp,3g2,mj2"))
    plan = SamplingPlan(container, stream, 2.0)
    packets = [_Pkt(p) for p in range(45)]  # 1.5 s at 30 fps, in order
    for p in packets:
        plan.seen(p)
    wanted = [p.pts for p in packets if plan.may_sample(p)]
    assert wanted == [0, 15, 30]  # instants 0, 0.5, 1.0 s
    # the empty packet that flushes the decoder does not stop the plan; a real one
    # without a timestamp does
    plan.seen(_Pkt(None, size=0))
    assert plan.skipping
    plan.seen(_Pkt(None, size=50))
    assert not plan.skipping and plan.may_sample(packets[3])


def test_plan_stops_skipping_when_a_frame_time_matches_no_packet():
    from types import SimpleNamespace

    stream = SimpleNamespace(
        time_base=Fraction(1, 30), start_time=0, codec_context=SimpleNamespace(name="h264")
    )
    container = SimpleNamespace(format=SimpleNamespace(name="matroska,webm"))
    plan = SamplingPlan(container, stream, 2.0)
    for p in range(10):
        plan.seen(_Pkt(p))
    assert plan.index(SimpleNamespace(pts=0)) == 0
    assert plan.index(SimpleNamespace(pts=3)) == 3
    assert plan.skipping
    assert plan.index(SimpleNamespace(pts=100)) == 4  # unknown: next index, and
    assert not plan.skipping  # from now on decode everything
