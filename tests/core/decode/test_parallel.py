"""Parallel sampling (decode.parallel): the same samples as the sequential sampler."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from tests.media import cut_with_edit_list, make_video
from trim_desktop.core.decode import DecodeOptions, iter_samples, parallel
from trim_desktop.core.progress import Cancelled, CancelToken

CHUNK_S = 1.0  # short chunks, so a few seconds of video make several


def _video(tmp_path, name="v.mp4", codec="libx264", params="keyint=15:min-keyint=15", **kw):
    key = "x265-params" if codec == "libx265" else "x264-params"
    if codec == "libx265":
        params += ":log-level=error"
    opts = {key: params}
    kw.setdefault("duration", 6.0)
    return make_video(
        tmp_path / name, fps=30, size=(96, 64), audio=False, codec=codec, codec_options=opts, **kw
    )


def _same(a, b) -> bool:
    return len(a) == len(b) and all(
        x.index == y.index and x.time == y.time and np.array_equal(x.image, y.image)
        for x, y in zip(a, b)
    )


def _parallel(workers=3) -> DecodeOptions:
    return DecodeOptions(workers=workers, chunk_seconds=CHUNK_S)


def _both(path, rate=2.0, workers=3):
    seq = list(iter_samples(path, rate=rate, size=(48, 32)))
    par = list(iter_samples(path, rate=rate, size=(48, 32), options=_parallel(workers)))
    return seq, par


@pytest.mark.parametrize(
    "kind", ["b-frames", "b-pyramid", "open-gop", "x265", "vfr", "rotated", "fragmented", "rate-5"]
)
def test_chunks_give_the_sequential_samples(tmp_path, kind):
    rate = 2.0
    if kind == "b-frames":
        path = _video(tmp_path, params="keyint=15:min-keyint=15:bframes=3:b-pyramid=none")
    elif kind == "b-pyramid":
        path = _video(tmp_path, params="keyint=20:bframes=3:b-pyramid=normal")
    elif kind == "open-gop":  # frames shown before a keyframe are stored after it
        path = _video(tmp_path, params="keyint=15:min-keyint=15:bframes=3:open-gop=1")
    elif kind == "x265":
        path = _video(tmp_path, codec="libx265", params="keyint=15:min-keyint=15:bframes=3")
    elif kind == "vfr":  # frame times 1/30 and 2/30 s apart: guesses go wrong
        path = _video(tmp_path, vfr=True)
    elif kind == "rotated":
        path = _video(tmp_path, rotation=90, marker=True)
    elif kind == "fragmented":  # as screen recorders and streaming tools write mp4
        path = _video(tmp_path, container_options={"movflags": "frag_keyframe+empty_moov"})
    else:
        path = _video(tmp_path)
        rate = 5.0
    chunks = parallel.plan_chunks(path, rate, 3, CHUNK_S)
    assert chunks is not None and len(chunks) >= 4
    seq, par = _both(path, rate)
    assert len(seq) == pytest.approx(6.0 * rate, abs=1)
    assert _same(seq, par)


def test_chunks_of_a_file_with_an_edit_list(tmp_path):
    src = _video(tmp_path, "src.mp4", duration=8.0)
    cut = cut_with_edit_list(src, tmp_path / "cut.mp4", 1.3)
    seq, par = _both(cut)
    assert seq[0].index == 0 and _same(seq, par)


def test_wrong_state_guess_decodes_the_chunk_again(tmp_path, monkeypatch, caplog):
    path = _video(tmp_path)
    real = parallel.plan_chunks

    def off_by_one(*a, **kw):
        return [
            c.__class__(c.seek, c.start, c.end, c.state + 1) if c.start is not None else c
            for c in real(*a, **kw)
        ]

    monkeypatch.setattr(parallel, "plan_chunks", off_by_one)
    caplog.set_level("INFO", logger="trim_desktop.core.decode.parallel")
    seq, par = _both(path)
    assert _same(seq, par)
    assert "decoding it again" in caplog.text


def test_a_failing_chunk_finishes_the_video_sequentially(tmp_path, monkeypatch, caplog):
    path = _video(tmp_path)
    real = parallel._sample_chunk
    calls = []

    def third_fails(path_, job, *a):
        calls.append(job.chunk)
        if job.chunk.start is not None and len({c.start for c in calls}) >= 3:
            raise OSError("disk went away")
        return real(path_, job, *a)

    monkeypatch.setattr(parallel, "_sample_chunk", third_fails)
    seq, par = _both(path, workers=2)
    assert _same(seq, par)
    assert "going on sequentially" in caplog.text


def _chunk_threads():
    return [t for t in threading.enumerate() if t.name.startswith("trim-chunk")]


def test_cancel_stops_every_decoder(tmp_path):
    path = _video(tmp_path, duration=10.0)
    token = CancelToken()
    got = []
    with pytest.raises(Cancelled):
        for s in iter_samples(path, cancel=token, options=_parallel()):
            got.append(s)
            token.cancel()
    assert len(got) == 1
    assert not _chunk_threads()


def test_closing_early_stops_every_decoder(tmp_path):
    path = _video(tmp_path, duration=10.0)
    gen = iter_samples(path, options=_parallel())
    next(gen)
    gen.close()
    assert not _chunk_threads()


def test_at_most_workers_plus_one_chunks_are_held(tmp_path, monkeypatch):
    path = _video(tmp_path, duration=10.0)
    started, drained, ahead = [], [], []
    real_run, real_drain = parallel._run_job, parallel._Job.drain

    def run(path_, job, *a):
        started.append(job.chunk)
        return real_run(path_, job, *a)

    def drain(job, *a):
        drained.append(job.chunk)
        ahead.append(len(started) - len(drained))  # decoding or done, not yet read
        yield from real_drain(job, *a)

    monkeypatch.setattr(parallel, "_run_job", run)
    monkeypatch.setattr(parallel._Job, "drain", drain)
    out = []
    for s in iter_samples(path, options=_parallel(2)):
        out.append(s)
        time.sleep(0.03)  # a slow consumer: decoders must wait, not run ahead
    assert len(out) == 20 and len(drained) >= 8
    assert max(ahead) <= 2 + 1


def test_no_chunks_where_they_cannot_be_exact(tmp_path):
    mkv = _video(tmp_path, "v.mkv")
    avi = make_video(tmp_path / "v.avi", duration=6.0, size=(96, 64), audio=False, codec="mpeg4")
    mp4 = _video(tmp_path)
    assert parallel.plan_chunks(mkv, 2.0, 3, CHUNK_S) is None
    assert parallel.plan_chunks(avi, 2.0, 3, CHUNK_S) is None
    assert parallel.plan_chunks(mp4, 2.0, 1, CHUNK_S) is None  # one worker
    assert parallel.plan_chunks(mp4, 2.0, 3, 4.0) is None  # too short
    one_gop = _video(tmp_path, "one.mp4", params="keyint=600:min-keyint=600:scenecut=0")
    assert parallel.plan_chunks(one_gop, 2.0, 3, CHUNK_S) is None  # no keyframe to start at


def test_chunks_start_at_keyframes_in_order(tmp_path):
    import av

    path = _video(tmp_path)  # a keyframe at least every 15 frames = 0.5 s
    chunks = parallel.plan_chunks(path, 2.0, 3, CHUNK_S)
    starts = [c.start for c in chunks[1:]]
    assert starts == sorted(set(starts))
    assert [c.end for c in chunks[:-1]] == starts and chunks[-1].end is None
    with av.open(str(path)) as c:
        tb = c.streams.video[0].time_base
        keys = {p.pts for p in c.demux(c.streams.video[0]) if p.is_keyframe}
    assert set(starts) <= keys
    # chunk j starts at the last keyframe at or before j seconds (at most 15 frames back)
    for j, s in enumerate(starts, 1):
        assert j - 0.5 - 1e-6 <= float(s * tb) <= j + 1e-6
        assert not [k for k in keys if float(s * tb) < float(k * tb) <= j + 1e-6]
