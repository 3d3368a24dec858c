"""Session: one video's state, what a settings change reruns, steps as generators (no Qt)."""

from __future__ import annotations

import dataclasses
import sys

import numpy as np
import pytest

from trim_desktop.core.pipeline import SummarizeSettings
from trim_desktop.core.progress import Cancelled, CancelToken
from trim_desktop.core.session import (
    EXTRACT_FIELDS,
    NO_RERUN_FIELDS,
    SELECT_FIELDS,
    TRAIN_FIELDS,
    Edit,
    Extracted,
    Scored,
    Selected,
    Session,
    rerun_for,
)

FAST = SummarizeSettings(steps1=2, steps2=4, device="cpu", budget=0.3)
"""calls (a fixture in conftest.py): pipeline.extract gives fake_features()."""


def opened():
    s = Session()
    s.open("/v.mp4")
    return s


# ------------------------------------------------------------------ what a change reruns
@pytest.mark.parametrize(
    "field,value,stage",
    [
        ("backbone", "resnet50", "extract"),
        ("preprocess", "resize", "extract"),
        ("rate", 1.0, "extract"),
        ("engine", "torch", "extract"),
        ("alpha", 2.0, "train"),
        ("beta", 1.0, "train"),
        ("gamma", 0.5, "train"),
        ("nu", 0.01, "train"),
        ("preset", "short", "train"),
        ("seed", 3, "train"),
        ("stage1", False, "train"),
        ("steps2", 9, "train"),
        ("model_path", "m.pt", "train"),
        ("budget", 0.4, "select"),
        ("device", "cuda", None),
        ("use_cache", False, None),
    ],
)
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
            assert s.features is None  # the step itself changes nothing
            assert s.apply(update) and s.features is update.features
            assert s.plan(FAST) == "train"  # features in, scores not yet
        else:
            assert isinstance(update, Scored) and s.apply(update)
    assert calls == {"extract": 1, "score": 1, "select": 1}
    assert {p.stage for p in seen} >= {"kts", "stage2", "select"}
    assert s.scores.shape == (30,) and s.summary.segments and s.summary.selected
    assert s.summary.sample_scores.tolist() == pytest.approx(s.scores.tolist())
    assert not hasattr(s, "result")  # the summary is held once
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
    """A weights-only change reuses this session's memo (the one-video regime's inputs and
    targets); the CLI's memo is untouched."""
    from trim_desktop.core import train

    train.clear_stage1_memo()
    runs = []
    real = train.model_inputs
    monkeypatch.setattr(train, "model_inputs", lambda *a, **k: (runs.append(1), real(*a, **k))[1])
    s = opened()
    s.run(None, FAST)
    assert len(runs) == 1
    s.run(None, FAST.replace(gamma=1.0))
    assert len(runs) == 1  # inputs and targets came from the session's memo
    assert train._MEMO.key is None  # the process-wide memo was not used
    other = opened()  # another session has its own: builds them again
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
def kept_at(s, t):
    """Whether the piece of the summary on screen at ``t`` seconds is kept."""
    return next(g.selected for g in s.summary.segments if g.start_time <= t < g.end_time)


def middle(seg):
    return (seg.start_time + seg.end_time) / 2


def test_a_toggle_is_an_edit_and_toggling_back_forgets_it(calls):
    s = opened()
    s.run(None, FAST)
    seg = s.summary.segments[0]
    kept, piece = seg.selected, (seg.start_time, seg.end_time)
    assert s.toggle(0) is (not kept) and s.edited_pieces() == 1
    assert s.edits == [Edit(piece[0], piece[1], not kept)]
    assert (piece in s.selected_ranges()) is (not kept)
    assert s.toggle(0) is kept and s.edits == [] and s.edited_pieces() == 0
    assert s.toggle(99) is None


def test_edits_survive_a_rescore_and_a_budget_change(calls):
    s = opened()
    s.run(None, FAST)
    segs = s.summary.segments
    dropped = next(i for i, g in enumerate(segs) if g.selected)
    added = next(i for i, g in enumerate(segs) if not g.selected)
    t_drop, t_add = middle(segs[dropped]), middle(segs[added])
    s.toggle(dropped)
    s.toggle(added)
    for change in (
        dict(gamma=0.0, beta=2.0),
        dict(gamma=0.0, beta=2.0, budget=0.5),
        dict(preset="short"),
    ):
        s.run(None, FAST.replace(**change))
        assert not kept_at(s, t_drop) and kept_at(s, t_add), change
        assert s.edited_pieces() == 2
    s.reset_edits()  # "2 manual changes - Reset"
    assert s.edits == [] and s.edited_pieces() == 0
    assert [g.selected for g in s.summary.segments] == s._machine


def test_the_rest_is_fitted_around_the_edits(calls):
    """Adding pieces pushes the machine's weakest picks out; dropping lets others in."""
    s = opened()
    s.run(None, FAST.replace(budget=0.5))
    budget = s.summary.budget_seconds
    machine = [g.selected for g in s.summary.segments]
    for i, g in enumerate(s.summary.segments):  # keep every left-out piece by hand
        if not g.selected:
            s.toggle(i)
    s.run(None, FAST.replace(budget=0.5, gamma=1.0))
    segs = s.summary.segments
    forced = sum(g.duration for i, g in enumerate(segs) if not machine[i])
    assert all(g.selected for i, g in enumerate(segs) if not machine[i])
    assert s.summary.selected_duration <= max(budget, forced) + 1e-6
    assert any(not g.selected for i, g in enumerate(segs) if machine[i])


def test_edits_survive_a_re_cut(calls):
    """Other pieces altogether (each one split in two): both halves follow the edit."""
    from trim_desktop.core.select import build_summary

    s = opened()
    s.run(None, FAST)
    seg = s.summary.segments[0]
    t, was = middle(seg), seg.selected
    s.toggle(0)
    halves = []
    for a, b in s.shots:
        m = (a + b) // 2
        halves += [(a, m), (m + 1, b)] if b > a else [(a, b)]
    f = s.features
    cut = build_summary(
        f.frame_indices,
        f.timestamps,
        s.scores,
        np.array(halves),
        n_frames=f.info.n_frames,
        duration=f.info.duration,
        budget=0.3,
        fps=f.info.fps,
    )
    assert s.apply(Selected(s.gen, FAST, cut))
    covered = [
        g
        for g in s.summary.segments
        if g.start_time >= seg.start_time - 1e-9 and g.end_time <= seg.end_time + 1e-9
    ]
    assert len(covered) >= 2 and all(g.selected is (not was) for g in covered)
    assert kept_at(s, t) is (not was)


def test_undo_redo_of_edits_and_settings(calls):
    s = opened()
    s.run(None, FAST)
    assert not s.history.can_undo
    flags0 = [g.selected for g in s.summary.segments]
    s.toggle(0)
    s.toggle(1)
    assert s.undo().edits == (Edit.of(s.summary.segments[0], not flags0[0]),)
    assert [g.selected for g in s.summary.segments][1] == flags0[1]
    assert s.undo() is not None and s.edits == []
    assert [g.selected for g in s.summary.segments] == flags0
    assert s.undo() is None  # nothing before the first summary
    assert s.redo() is not None and s.redo() is not None and len(s.edits) == 2
    assert s.redo() is None
    # a settings change is a step too; the GUI applies the settings undo gives back
    moved = FAST.replace(gamma=1.0)
    s.record(moved)
    s.run(None, moved)
    assert len(s.edits) == 2 and s.history.can_undo
    state = s.undo()
    assert state.settings == FAST and len(state.edits) == 2
    assert s.redo().settings == moved
    s.undo()
    s.toggle(2)  # a new step clears what could be redone
    assert not s.history.can_redo


def test_opening_another_video_forgets_edits_and_history(calls):
    s = opened()
    s.run(None, FAST)
    s.toggle(0)
    s.open("/other.mp4")
    assert s.edits == [] and not s.history.can_undo and s.history.current is None


def test_session_imports_without_torch_or_qt():
    import subprocess

    code = (
        "import sys; import trim_desktop.core.api, trim_desktop.core.session;"
        "print('torch' in sys.modules, any(m.startswith('PySide6') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]


# ------------------------------------------------------------------ finer edits: split, trim
def kept_time(s):
    """Merged kept ranges of the summary on screen (what export cuts)."""
    out = []
    for a, b in sorted(s.selected_ranges()):
        if out and a <= out[-1][1] + 1e-9:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def inside(ranges, a, b):
    return any(x - 1e-6 <= a and b <= y + 1e-6 for x, y in ranges)


def outside(ranges, a, b):
    return all(b <= x + 1e-6 or a >= y - 1e-6 for x, y in ranges)


def test_split_pieces_are_toggled_separately_and_the_cut_survives_a_rescore(calls):
    s = opened()
    s.run(None, FAST)
    n = len(s.summary.segments)
    i, seg = next((i, g) for i, g in enumerate(s.summary.segments) if g.duration >= 2)
    t, was = round(middle(seg), 3), seg.selected
    assert s.split(seg.start_time + 0.05) is None  # too close to the edge
    assert s.split(t) == i + 1 and len(s.summary.segments) == n + 1
    first, second = s.summary.segments[i], s.summary.segments[i + 1]
    assert (first.end_time, second.start_time) == (t, t)
    assert first.selected is was and second.selected is was and s.edited_pieces() == 1
    assert first.start_frame < second.start_frame <= first.end_frame + 1
    s.toggle(i)  # only the first part
    assert kept_at(s, t - 0.1) is (not was) and kept_at(s, t + 0.1) is was
    for change in (dict(gamma=0.0, beta=2.0), dict(gamma=0.0, beta=2.0, budget=0.5)):
        s.run(None, FAST.replace(**change))
        assert any(abs(g.start_time - t) < 1e-9 for g in s.summary.segments), change
        assert kept_at(s, t - 0.1) is (not was), change
    s.run(None, FAST)
    s.undo()  # the budget, the weights
    s.undo()
    s.undo()  # the toggle
    assert kept_at(s, t - 0.1) is kept_at(s, t + 0.1)
    s.undo()  # the split
    assert len(s.summary.segments) == n and s.cuts == []
    s.redo()
    assert len(s.summary.segments) == n + 1 and s.cuts == [t]
    s.reset_edits()
    assert len(s.summary.segments) == n and s.edited_pieces() == 0


def test_a_trimmed_piece_stays_trimmed_after_a_rescore_and_undo_restores_it(calls):
    s = opened()
    s.run(None, FAST)
    i, seg = next(
        (i, g) for i, g in enumerate(s.summary.segments) if g.selected and g.duration >= 1.5
    )
    a, b = seg.start_time, seg.end_time
    cut = round(a + 0.6, 3)
    assert s.trim(i, "start", cut)
    assert outside(kept_time(s), a, cut) and inside(kept_time(s), cut, b)
    assert s.edited_pieces() == 1  # one trim, one manual change
    for change in (
        dict(gamma=0.0, beta=2.0),
        dict(preset="short"),
        dict(gamma=0.0, beta=2.0, budget=0.5),
    ):
        s.run(None, FAST.replace(**change))
        assert outside(kept_time(s), a, cut) and inside(kept_time(s), cut, b), change
    s.run(None, FAST)
    for _ in range(4):
        s.undo()
    assert inside(kept_time(s), a, b) and s.cuts == [] and s.edits == []
    s.redo()
    assert outside(kept_time(s), a, cut) and inside(kept_time(s), cut, b)
    assert not s.trim(i, "start", cut)  # already there: no change


def test_a_trim_outward_is_one_manual_change(calls):
    """Dragging a kept piece's start outward read "2 manual changes": the piece and the
    part it took in were counted apart (they are one trim)."""
    s = opened()
    s.run(None, FAST)
    segs = s.summary.segments
    i = next(
        i
        for i in range(1, len(segs))
        if segs[i].selected and not segs[i - 1].selected and segs[i - 1].duration >= 1.0
    )
    a, prev_start = segs[i].start_time, segs[i - 1].start_time
    assert s.trim(i, "start", round(a - 0.5, 3))  # into the left-out neighbour
    assert s.edited_pieces() == 1
    s.undo()
    assert s.trim(i, "start", prev_start)  # the whole neighbour, no cut made
    assert s.edited_pieces() == 1
    # two separate toggles of pieces apart are still two changes
    s.undo()
    far = next(k for k, g in enumerate(s.summary.segments) if k > i + 1)
    s.toggle(i - 1)
    s.toggle(far)
    assert s.edited_pieces() == 2


def test_dragging_a_start_outward_keeps_part_of_the_left_out_neighbour(calls):
    s = opened()
    s.run(None, FAST)
    segs = s.summary.segments
    i = next(
        i
        for i in range(1, len(segs))
        if segs[i].selected and not segs[i - 1].selected and segs[i - 1].duration >= 1.0
    )
    a, prev_start, b = segs[i].start_time, segs[i - 1].start_time, segs[i].end_time
    t = round(a - 0.5, 3)
    assert s.trim(i, "start", t)
    assert inside(kept_time(s), t, b) and outside(kept_time(s), prev_start, t)
    s.run(None, FAST.replace(gamma=0.0, beta=2.0))
    assert inside(kept_time(s), t, a + 0.1) and outside(kept_time(s), prev_start, t)
    # a trim never goes below MIN_PIECE: dragging the start past the end stops short
    j = next(j for j, g in enumerate(s.summary.segments) if g.selected)
    g = s.summary.segments[j]
    end = g.end_time
    assert s.trim(j, "start", end + 5)
    assert inside(kept_time(s), end - 0.2, end) and outside(kept_time(s), g.start_time, end - 0.2)
    assert not s.trim(
        next(k for k, h in enumerate(s.summary.segments) if not h.selected), "start", 0.0
    )  # a left-out piece has no edges
