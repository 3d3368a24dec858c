"""One video's state outside Qt: what was computed, with which settings, and what to redo.

The app holds one :class:`Session`. It knows the video (path, info), its features and
shots, the scores, the summary (kept once), the training state, the notes for the user,
the user's edits (pieces kept or dropped by hand, by time: they survive a rescore and a
re-cut, see core.edits), an undo / redo history of edits and settings, and its own
stage-1 memo (so a slider move pays only for stage 2, without the process-wide memo the
CLI uses).

``plan(settings)`` says what a change of settings must rerun: "extract" (features and
shots), "train" (scores and selection), "select" (selection only) or None.

``steps(step, settings)`` gives a job: ``fn(progress, cancel)`` returning a generator
that runs the pipeline from ``step`` on (through ``core.pipeline``) and yields each
partial result as an update (:class:`Extracted`, :class:`Scored`, :class:`Selected`).
The job reads nothing from the session once made, so it can run in another thread;
the caller hands each update back to :meth:`Session.apply` in its own thread. Updates
from before the last :meth:`open` are ignored.
"""
from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Union

import numpy as np

from . import pipeline
from .edits import Edit, History, State, apply_edits, decided
from .pipeline import SummarizeSettings
from .progress import CancelToken, ProgressFn, check, report

if TYPE_CHECKING:  # types only: importing them here would load the decoders at startup
    from .decode import VideoInfo
    from .feature_set import Features
    from .select import Summary

STAGES = ("extract", "train", "select")
"""Pipeline order: a stage's result depends on every stage before it."""

EXTRACT_FIELDS = frozenset({"backbone", "weights_path", "preprocess", "rate", "engine",
                            "max_ncp"})
TRAIN_FIELDS = frozenset({"preset", "alpha", "beta", "gamma", "nu", "stage1", "seed",
                          "steps1", "steps2", "train_precision", "model_path", "model_mode"})
SELECT_FIELDS = frozenset({"budget", "length_seconds", "selection"})
NO_RERUN_FIELDS = frozenset({"device", "use_cache"})
"""Where a run happens or whether the cache is read: the same numbers either way."""



def stage_of(name: str) -> Optional[str]:
    """The stage a settings field feeds; unknown fields count as "extract" (always right)."""
    if name in NO_RERUN_FIELDS:
        return None
    for stage, names in zip(STAGES, (EXTRACT_FIELDS, TRAIN_FIELDS, SELECT_FIELDS)):
        if name in names:
            return stage
    return "extract"


def earliest(*stages: Optional[str]) -> Optional[str]:
    """The first of ``stages`` in pipeline order (None when all are None)."""
    found = [s for s in stages if s is not None]
    return min(found, key=STAGES.index) if found else None


def rerun_for(old: Optional[SummarizeSettings], new: SummarizeSettings) -> Optional[str]:
    """The earliest stage that going from ``old`` to ``new`` settings must rerun."""
    if old is None:
        return "extract"
    return earliest(*(stage_of(f.name) for f in dataclasses.fields(new)
                      if getattr(old, f.name, None) != getattr(new, f.name, None)))


# ---------------------------------------------------------------------- updates

@dataclass(frozen=True)
class Extracted:
    """Features and shots of the video (the first partial result of a full run)."""

    gen: int
    settings: SummarizeSettings
    features: Features
    shots: np.ndarray              # (n_shots, 2) inclusive sample ranges
    messages: list = field(default_factory=list)


@dataclass(frozen=True)
class Scored:
    """Scores from training (or a model) and the summary selected from them."""

    gen: int
    settings: SummarizeSettings
    scores: np.ndarray
    summary: Summary
    device: str
    train_state: Optional[dict] = None
    messages: list = field(default_factory=list)


@dataclass(frozen=True)
class Selected:
    """A new selection from the scores already there (the budget moved)."""

    gen: int
    settings: SummarizeSettings
    summary: Summary
    messages: list = field(default_factory=list)


Update = Union[Extracted, Scored, Selected]
StepFn = Callable[[Optional[ProgressFn], Optional[CancelToken]], Iterator[Update]]


# ---------------------------------------------------------------------- the session

class Session:
    """The state of the video on screen; see the module docstring."""

    def __init__(self, memo: Any = None) -> None:
        self.gen = 0                     # bumps on every open: older updates are ignored
        self._memo = memo                # train's stage-1 memo; made on first training
        self._memo_lock = threading.Lock()
        self.history = History()
        self._clear()
        self.path: Optional[str] = None

    def _clear(self) -> None:
        self.info: Optional[VideoInfo] = None
        self.features: Optional[Features] = None
        self.shots: Optional[np.ndarray] = None
        self.scores: Optional[np.ndarray] = None
        self.summary: Optional[Summary] = None   # the one copy
        self.train_state: Optional[dict] = None
        self.device: Optional[str] = None
        self.messages: list[str] = []
        self.edits: list[Edit] = []      # what the user kept or dropped, by time
        self._machine: list[bool] = []   # the selection's own flags for self.summary
        self._summary_no = 0             # counts summaries (undo knows which flags it saw)
        self.history.clear()
        # the settings each stage's result was made with (None: not made, or stale)
        self.made_with: dict[str, Optional[SummarizeSettings]] = dict.fromkeys(STAGES)

    # -- the video ---------------------------------------------------------------------
    def open(self, path: Optional[str]) -> int:
        """Start over with ``path`` (None: no video); returns the new generation."""
        self._clear()
        self.path = path
        self.gen += 1
        return self.gen

    def set_info(self, gen: int, info: VideoInfo) -> bool:
        """The probe's answer for generation ``gen``; False if another video is open now."""
        if gen != self.gen:
            return False
        self.info = info
        return True

    # -- what to rerun -----------------------------------------------------------------
    def plan(self, settings: SummarizeSettings) -> Optional[str]:
        """The first stage that must run so the state matches ``settings`` (None: it does)."""
        for stage in STAGES:
            made = self.made_with[stage]
            if made is None:
                return stage
            changed = rerun_for(made, settings)
            if changed is not None and STAGES.index(changed) <= STAGES.index(stage):
                return stage
        return None

    # -- jobs --------------------------------------------------------------------------
    def steps(self, step: str, settings: SummarizeSettings) -> StepFn:
        """A job that runs the pipeline from ``step`` with ``settings``, yielding updates.

        Raises ValueError when the session lacks what ``step`` starts from (no video for
        "extract", no features for "train", no scores for "select").
        """
        if step not in STAGES:
            raise ValueError(f"unknown step {step!r}")
        gen, path = self.gen, self.path
        features, shots, scores = self.features, self.shots, self.scores
        need = {"extract": path, "train": features, "select": scores}[step]
        if need is None:
            raise ValueError(f"cannot {step}: nothing to start from")

        def run(progress: Optional[ProgressFn] = None,
                cancel: Optional[CancelToken] = None) -> Iterator[Update]:
            nonlocal features, shots
            messages: list = []
            if step == "extract":
                assert path is not None                  # (checked when the job was made)
                features = pipeline.extract(path, settings, progress, cancel, messages)
                check(cancel)
                shots = np.asarray(pipeline.shots_for(features, settings, progress, cancel))
                yield Extracted(gen, settings, features, shots, list(messages))
                check(cancel)
            assert features is not None       # (extracted above, or checked when made)
            if step in ("extract", "train"):
                result = pipeline.rescore(features, settings, shots=shots, progress=progress,
                                          cancel=cancel, messages=messages,
                                          memo=self._stage1_memo())
                yield Scored(gen, settings, np.asarray(result.scores), result.summary,
                             result.device, result.train_state, list(result.messages))
                return
            report(progress, "select", 0, 1)
            assert scores is not None and shots is not None   # (checked when the job was made)
            summary = pipeline.select(features, scores, shots, settings.budget, messages,
                                      selection=settings.selection,
                                      length_seconds=settings.length_seconds)
            report(progress, "select", 1, 1)
            yield Selected(gen, settings, summary, list(messages))

        return run

    def run(self, step: Optional[str], settings: SummarizeSettings,
            progress: Optional[ProgressFn] = None,
            cancel: Optional[CancelToken] = None) -> list[Update]:
        """Run ``step`` (None: what :meth:`plan` says) here and apply every update."""
        step = step or self.plan(settings)
        if step is None:
            return []
        updates = list(self.steps(step, settings)(progress, cancel))
        for u in updates:
            self.apply(u)
        return updates

    def _stage1_memo(self) -> Any:
        """This session's stage-1 memo, made on first use (in the worker: it needs torch)."""
        with self._memo_lock:
            if self._memo is None:
                from .train import _Stage1Memo
                self._memo = _Stage1Memo()
            return self._memo

    def apply(self, update: Update) -> bool:
        """Take a job's update in; False (and nothing changes) if it is for an older video."""
        if update.gen != self.gen:
            return False
        if isinstance(update, Extracted):
            self.features, self.shots = update.features, np.asarray(update.shots)
            self.info = update.features.info
            self.messages = list(update.messages)
            # the scores and summary on screen stay until new ones come, but are stale now
            self.made_with.update(extract=update.settings, train=None, select=None)
        elif isinstance(update, Scored):
            self.scores = np.asarray(update.scores)
            self.train_state, self.device = update.train_state, update.device
            self.messages = list(update.messages)
            self.made_with.update(train=update.settings, select=update.settings)
            self._set_summary(update.summary)
        else:
            self.messages = self.messages + [m for m in update.messages
                                             if m not in self.messages]
            self.made_with["select"] = update.settings
            self._set_summary(update.summary)
        return True

    # -- the summary and the user's edits ------------------------------------------------
    def _set_summary(self, summary: Summary) -> None:
        """A new summary: the user's edits are laid over the machine's choice."""
        self.summary = summary
        self._summary_no += 1
        self._machine = [bool(s.selected) for s in summary.segments]
        if self.edits:
            apply_edits(summary, self._machine, self.edits)
        self.record(step=False)

    def toggle(self, i: int) -> Optional[bool]:
        """The user keeps or drops piece ``i``; returns its new flag (None: no such piece).

        The edit is kept by time; toggling a piece back to the machine's choice forgets
        it. The budget is not enforced here: the user may go over it on purpose.
        """
        if self.summary is None or not 0 <= i < len(self.summary.segments):
            return None
        seg = self.summary.segments[i]
        kept = not seg.selected
        seg.selected = kept
        self.edits = [e for e in self.edits if not e.covers(seg)]
        if kept != self._machine[i]:
            self.edits.append(Edit.of(seg, kept))
        self.record()
        return kept

    def edited_pieces(self) -> int:
        """How many pieces of the summary on screen follow an edit ("n manual changes")."""
        return len(decided(self.summary.segments, self.edits)) if self.summary else 0

    def reset_edits(self) -> None:
        """Forget every edit: the machine's choice again."""
        self.edits = []
        if self.summary is not None:
            apply_edits(self.summary, self._machine, [])
        self.record()

    # -- undo / redo -----------------------------------------------------------------
    def record(self, settings: Optional[SummarizeSettings] = None, step: bool = True) -> None:
        """Remember the state (``settings``: the user's new settings; None: unchanged);
        ``step``: an undoable user action (False: a new summary came)."""
        cur = self.history.current
        if settings is None:
            settings = cur.settings if cur is not None else self.made_with["select"]
        flags = tuple(bool(s.selected) for s in self.summary.segments) if self.summary else ()
        self.history.record(State(settings, tuple(self.edits), self._summary_no, flags), step)

    def undo(self) -> Optional[State]:
        """Step back; returns the state now current (its settings are the GUI's to apply)."""
        return self._restore(self.history.undo())

    def redo(self) -> Optional[State]:
        return self._restore(self.history.redo())

    def _restore(self, state: Optional[State]) -> Optional[State]:
        if state is None:
            return None
        self.edits = list(state.edits)
        s = self.summary
        if s is not None:
            if state.summary_no == self._summary_no and len(state.flags) == len(s.segments):
                for seg, flag in zip(s.segments, state.flags):
                    seg.selected = flag
            else:      # another summary since: lay the edits over it afresh
                apply_edits(s, self._machine, self.edits)
        return state

    def selected_ranges(self) -> list[tuple[float, float]]:
        """(start, end) seconds of the kept pieces: what preview plays and export cuts."""
        if self.summary is None:
            return []
        return [(float(s.start_time), float(s.end_time)) for s in self.summary.selected]

    def budget_seconds(self) -> float:
        return float(self.summary.budget_seconds) if self.summary is not None else 0.0


__all__ = ["STAGES", "Edit", "Session", "State", "Extracted", "Scored", "Selected", "Update",
           "StepFn", "rerun_for", "stage_of"]
