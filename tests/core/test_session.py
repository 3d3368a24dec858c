"""Session: one video's state, what a settings change reruns, steps as generators (no Qt)."""
from __future__ import annotations

import dataclasses
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from trim_desktop.core import pipeline
from trim_desktop.core.pipeline import SummarizeSettings
from trim_desktop.core.progress import Cancelled, CancelToken
from trim_desktop.core.session import (EXTRACT_FIELDS, NO_RERUN_FIELDS, SELECT_FIELDS,
                                       TRAIN_FIELDS, Extracted, Scored, Selected, Session,
                                       rerun_for)
from trim_desktop.core.video import VideoInfo

FAST = SummarizeSettings(steps1=2, steps2=4, device="cpu", budget=0.3)


def fake_features(n=30, dim=32, rate=2.0, seed=0):
    """Six scenes of distinct feature vectors (a 15 s video at 2 samples/s)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, dim)) * 3
    values = np.concatenate([c + 0.1 * rng.normal(size=(n // 6, dim)) for c in centres])
    ts = np.arange(n) / rate
    info = VideoInfo(path="/v.mp4", duration=n / rate, fps=25.0, n_frames=int(n / rate * 25),
                     width=64, height=48, rotation=0, has_audio=False, video_codec="h264",
                     audio_codec=None)
    return SimpleNamespace(values=values.astype(np.float32), timestamps=ts,
                           frame_indices=(ts * 25).astype(np.int64), backbone="fake",
                           preprocess="crop", rate=rate, info=info, from_cache=False)


@pytest.fixture
def calls(monkeypatch):
    """pipeline.extract gives fake features; counts what each step calls."""
    count = {"extract": 0, "score": 0, "select": 0}
    real_score, real_select = pipeline.score, pipeline.select

    def extract(path, settings, progress=None, cancel=None, messages=None):
        count["extract"] += 1
        return fake_features()

    def score(*a, **k):
        count["score"] += 1
        return real_score(*a, **k)

    def select(*a, **k):
        count["select"] += 1
        return real_select(*a, **k)

    monkeypatch.setattr(pipeline, "extract", extract)
    monkeypatch.setattr(pipeline, "score", score)
    monkeypatch.setattr(pipeline, "select", select)
    return count


def opened():
    s = Session()
    s.open("/v.mp4")
    return s


# ------------------------------------------------------------------ what a change reruns
@pytest.mark.parametrize("field,value,stage", [
    ("backbone", "resnet50", "extract"), ("preprocess", "resize", "extract"),
    ("rate", 1.0, "extract"), ("engine", "torch", "extract"), ("precision", "fp32", "extract"),
    ("alpha", 2.0, "train"), ("beta", 1.0, "train"), ("gamma", 0.5, "train"),
    ("nu", 0.01, "train"), ("preset", "short", "train"), ("seed", 3, "train"),
    ("stage1", False, "train"), ("steps2", 9, "train"), ("model_path", "m.pt", "train"),
    ("budget", 0.4, "select"), ("device", "cuda", None), ("use_cache", False, None),
])
def test_rerun_for_each_setting(field, value, stage):
    assert rerun_for(FAST, FAST.replace(**{field: value})) == stage


def test_the_earliest_stage_wins_and_same_settings_rerun_nothing():
    assert rerun_for(FAST, FAST) is None
    assert rerun_for(FAST, FAST.replace(budget=0.2, gamma=1.0)) == "train"
    assert rerun_for(FAST, FAST.replace(budget=0.2, backbone="resnet50")) == "extract"
    assert rerun_for(None, FAST) == "extract"


def test_every_setting_is_classified():
    """A new SummarizeSettings field must be placed (else it counts as "extract")."""
    known = EXTRACT_FIELDS | TRAIN_FIELDS | SELECT_FIELDS | NO_RERUN_FIELDS
    fields = {f.name for f in dataclasses.fields(SummarizeSettings)}
    assert fields - known == set()


def test_plan_follows_what_was_computed(calls):
    s = opened()
    assert s.plan(FAST) == "extract"
    s.run(None, FAST)
    assert s.plan(FAST) is None
    assert s.plan(FAST.replace(budget=0.2)) == "select"
    assert s.plan(FAST.replace(gamma=1.0, budget=0.2)) == "train"
    assert s.plan(FAST.replace(backbone="resnet50")) == "extract"
    assert s.plan(FAST.replace(device="cuda")) is None


# ------------------------------------------------------------------ steps
def test_full_run_yields_features_then_scores_and_keeps_one_summary(calls):
    s = opened()
    seen = []
    step = s.steps("extract", FAST)
    for update in step(seen.append, CancelToken()):
        if isinstance(update, Extracted):
            assert s.features is None          # the step itself changes nothing
            assert s.apply(update) and s.features is update.features
            assert s.plan(FAST) == "train"     # features in, scores not yet
        else:
            assert isinstance(update, Scored) and s.apply(update)
    assert calls == {"extract": 1, "score": 1, "select": 1}
    assert {p.stage for p in seen} >= {"kts", "stage2", "select"}
    assert s.scores.shape == (30,) and s.summary.segments and s.summary.selected
    assert s.summary.sample_scores.tolist() == pytest.approx(s.scores.tolist())
    assert not hasattr(s, "result")            # the summary is held once
    assert s.device.startswith("CPU")


def test_budget_change_selects_without_training(calls):
    s = opened()
    s.run(None, FAST)
    before = s.summary.selected_duration
    updates = s.run(None, FAST.replace(budget=0.6))
    assert [type(u) for u in updates] == [Selected]
    assert calls["score"] == 1 and calls["extract"] == 1
    assert s.summary.budget == pytest.approx(0.6) and s.summary.selected_duration > before


def test_slider_move_trains_again_from_the_features_in_memory(calls):
    s = opened()
    s.run(None, FAST)
    first = s.scores.copy()
    updates = s.run(None, FAST.replace(gamma=0.0, beta=2.0))
    assert [type(u) for u in updates] == [Scored]
    assert calls["extract"] == 1 and calls["score"] == 2
    assert not np.allclose(first, s.scores)


def test_session_keeps_its_own_stage1_memo(calls, monkeypatch):
    """A weights-only change reuses this session's stage 1; the CLI's memo is untouched."""
    from trim_desktop.core import train

    train.clear_stage1_memo()
    runs = []
    real = train._run_stage1
    monkeypatch.setattr(train, "_run_stage1", lambda *a, **k: (runs.append(1), real(*a, **k))[1])
    s = opened()
    s.run(None, FAST)
    assert len(runs) == 1
    s.run(None, FAST.replace(gamma=1.0))
    assert len(runs) == 1                     # stage 1 came from the session's memo
    assert train._MEMO.key is None            # the process-wide memo was not used
    other = opened()                          # another session has its own: trains stage 1
    other.run(None, FAST.replace(gamma=1.0))
    assert len(runs) == 2


def test_stale_updates_from_an_earlier_video_are_ignored(calls):
    s = opened()
    step = s.steps("extract", FAST)
    updates = list(step(None, None))
    s.open("/other.mp4")
    assert not any(s.apply(u) for u in updates)
    assert s.features is None and s.summary is None and s.path == "/other.mp4"


def test_cancel_stops_the_step_and_changes_nothing(calls):
    s = opened()
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        list(s.steps("extract", FAST)(None, token))
    assert s.features is None and s.plan(FAST) == "extract"


def test_a_step_needs_what_it_starts_from():
    s = Session()
    for step in ("extract", "train", "select"):
        with pytest.raises(ValueError):
            s.steps(step, FAST)
    with pytest.raises(ValueError):
        opened().steps("nonsense", FAST)


# ------------------------------------------------------------------ edits
def test_toggles_are_the_users_edits_until_a_new_summary(calls):
    s = opened()
    s.run(None, FAST)
    seg = s.summary.segments[0]
    kept, piece = seg.selected, (seg.start_time, seg.end_time)
    assert s.toggle(0) is (not kept) and s.edits == {0: not kept}
    assert (piece in s.selected_ranges()) is (not kept)
    assert s.toggle(0) is kept and s.edits == {}          # back to the machine's choice
    s.toggle(1)
    assert s.toggle(99) is None and len(s.edits) == 1
    s.run(None, FAST.replace(budget=0.5))
    assert s.edits == {}


def test_session_imports_without_torch_or_qt():
    import subprocess
    code = ("import sys; import trim_desktop.core.api, trim_desktop.core.session;"
            "print('torch' in sys.modules, any(m.startswith('PySide6') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]
