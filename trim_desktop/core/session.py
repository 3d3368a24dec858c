"""One video's state outside Qt: what was computed, with which settings, and what to redo.

The app holds one :class:`Session`. It knows the video (path, info), its features and
shots, the scores, the summary (kept once), the training state, the notes for the user,
the user's edits (pieces kept or dropped by hand, pieces split or trimmed, by time: they
survive a rescore and a re-cut, see core.edits), an undo / redo history of edits and
settings, and its own stage-1 memo (so a slider move pays only for stage 2, without the
process-wide memo the CLI uses). :meth:`Session.restore` puts a saved project back
(core.project) without training: the next extract step loads the features and keeps the
project's scores while the settings still match them.

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
from .edits import (
    MIN_PIECE,
    Edit,
    History,
    State,
    apply_edits,
    cut_segments,
    decided,
    split_edits,
    split_summary,
)
from .pipeline import SummarizeSettings
from .progress import CancelToken, ProgressFn, check, report

if TYPE_CHECKING:  # types only: importing them here would load the decoders at startup
    from .decode import VideoInfo
    from .feature_set import Features
    from .select import Summary

STAGES = ("extract", "train", "select")
"""Pipeline order: a stage's result depends on every stage before it."""

EXTRACT_FIELDS = frozenset({"backbone", "weights_path", "preprocess", "rate", "engine", "max_ncp"})
TRAIN_FIELDS = frozenset(
    {
        "preset",
        "alpha",
        "beta",
        "gamma",
        "nu",
        "stage1",
        "seed",
        "steps1",
        "steps2",
        "train_precision",
        "model_path",
        "model_mode",
    }
)
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
    return earliest(
        *(
            stage_of(f.name)
            for f in dataclasses.fields(new)
            if getattr(old, f.name, None) != getattr(new, f.name, None)
        )
    )


# ---------------------------------------------------------------------- updates


@dataclass(frozen=True)
class Extracted:
    """Features and shots of the video (the first partial result of a full run)."""

    gen: int
    settings: SummarizeSettings
    features: Features
    shots: np.ndarray  # (n_shots, 2) inclusive sample ranges
    messages: list = field(default_factory=list)
    keep_scores: bool = False  # the scores on hand (a restored project's) still hold


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
        self.gen = 0  # bumps on every open: older updates are ignored
        self._memo = memo  # train's stage-1 memo; made on first training
        self._memo_lock = threading.Lock()
        self.history = History()
        self._clear()
        self.path: Optional[str] = None

    def _clear(self) -> None:
        self.info: Optional[VideoInfo] = None
        self.features: Optional[Features] = None
        self.shots: Optional[np.ndarray] = None
        self.scores: Optional[np.ndarray] = None
        self.summary: Optional[Summary] = None  # the one copy
        self.train_state: Optional[dict] = None
        self.device: Optional[str] = None
        self.messages: list[str] = []
        self.edits: list[Edit] = []  # what the user kept or dropped, by time
        self.cuts: list[float] = []  # where the user split pieces (seconds)
        self._base: Any = None  # the selection's own summary, uncut, unedited
        self._machine: list[bool] = []  # the selection's own flags for self.summary
        self._restored = False  # scores from a project file, not trained here
        self._summary_no = 0  # counts summaries (undo knows which flags it saw)
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
        # a restored project: its scores stand unless the settings ask for new ones
        after = rerun_for(self.made_with["train"], settings) if self._restored else "extract"
        keep = step == "extract" and after in (None, "select")

        def run(
            progress: Optional[ProgressFn] = None, cancel: Optional[CancelToken] = None
        ) -> Iterator[Update]:
            nonlocal features, shots
            messages: list = []
            keep_now = False
            if step == "extract":
                assert path is not None  # (checked when the job was made)
                features = pipeline.extract(path, settings, progress, cancel, messages)
                check(cancel)
                shots = np.asarray(pipeline.shots_for(features, settings, progress, cancel))
                keep_now = keep and scores is not None and len(features.timestamps) == len(scores)
                yield Extracted(gen, settings, features, shots, list(messages), keep_now)
                check(cancel)
                if keep_now and after is None:
                    return
            assert features is not None  # (extracted above, or checked when made)
            if step == "train" or (step == "extract" and not keep_now):
                result = pipeline.rescore(
                    features,
                    settings,
                    shots=shots,
                    progress=progress,
                    cancel=cancel,
                    messages=messages,
                    memo=self._stage1_memo(),
                )
                yield Scored(
                    gen,
                    settings,
                    np.asarray(result.scores),
                    result.summary,
                    result.device,
                    result.train_state,
                    list(result.messages),
                )
                return
            report(progress, "select", 0, 1)
            assert scores is not None and shots is not None  # (checked when the job was made)
            summary = pipeline.select(
                features,
                scores,
                shots,
                settings.budget,
                messages,
                selection=settings.selection,
                length_seconds=settings.length_seconds,
            )
            report(progress, "select", 1, 1)
            yield Selected(gen, settings, summary, list(messages))

        return run

    def run(
        self,
        step: Optional[str],
        settings: SummarizeSettings,
        progress: Optional[ProgressFn] = None,
        cancel: Optional[CancelToken] = None,
    ) -> list[Update]:
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
            if update.keep_scores:
                self.made_with["extract"] = update.settings
                return True
            # the scores and summary on screen stay until new ones come, but are stale now
            self.made_with.update(extract=update.settings, train=None, select=None)
        elif isinstance(update, Scored):
            self.scores = np.asarray(update.scores)
            self._restored = False
            self.train_state, self.device = update.train_state, update.device
            self.messages = list(update.messages)
            self.made_with.update(train=update.settings, select=update.settings)
            self._set_summary(update.summary)
        else:
            self.messages = self.messages + [m for m in update.messages if m not in self.messages]
            self.made_with["select"] = update.settings
            self._set_summary(update.summary)
        return True

    # -- the summary and the user's edits ------------------------------------------------
    def _set_summary(self, summary: Summary) -> None:
        """A new summary: cut at the user's cuts, the user's edits laid over the machine's
        choice."""
        self._base = summary
        self._summary_no += 1
        self._derive()
        self.record(step=False)

    def use_summary(self, summary: Any) -> None:
        """A summary from elsewhere (the app's Open Segments: a segments file's pieces)
        is the choice now: the edits and the undo history start over from it."""
        self.edits = []
        self.cuts = []
        self.history.clear()
        self._set_summary(summary)

    def _derive(self) -> None:
        """The summary on screen from the machine's: cut at ``cuts``, ``edits`` applied."""
        self.summary = split_summary(self._base, self.cuts)
        self._machine = [bool(s.selected) for s in self.summary.segments]
        if self.edits:
            apply_edits(self.summary, self._machine, self.edits)

    @property
    def machine_summary(self) -> Any:
        """The selection's own summary (uncut, unedited): what a project file stores."""
        return self._base

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
        """How many changes the user made to the summary on screen ("n manual changes"):
        pieces that follow an edit, the parts of one trim (edited pieces either side of a
        cut, or side by side with the same choice: a start dragged outward keeps the
        piece and the part it took in) counting once, and splits that no edit touches."""
        if self.summary is None:
            return 0
        segs = self.summary.segments
        fixed = decided(segs, self.edits)
        count = len(fixed)
        for i in range(1, len(segs)):
            if any(abs(segs[i].start_time - c) < 1e-6 for c in self.cuts):
                both = (i in fixed) + (i - 1 in fixed)
                count += {0: 1, 1: 0, 2: -1}[both]
            elif i in fixed and i - 1 in fixed and fixed[i] == fixed[i - 1]:
                count -= 1
        return count

    def reset_edits(self) -> None:
        """Forget every edit and cut: the machine's pieces and choice again."""
        self.edits, self.cuts = [], []
        if self._base is not None:
            self._derive()
        self.record()

    # -- finer edits: split and trim ---------------------------------------------------
    def _shown(self) -> Summary:
        """The summary on screen (the edit methods run only once there is one)."""
        if self.summary is None:
            raise ValueError("no summary to edit yet")
        return self.summary

    def _cut(self, t: float) -> None:
        """Cut the summary on screen at ``t`` (the flags and machine choice carry over)."""
        old = self._shown().segments
        if not any(abs(c - t) < 1e-6 for c in self.cuts):
            self.cuts = sorted(self.cuts + [t])
        new = cut_segments(old, [t])
        if len(new) != len(old):
            owner = [
                next(k for k, g in enumerate(old) if g.start_time <= s.start_time < g.end_time)
                for s in new
            ]
            self._machine = [self._machine[k] for k in owner]
            self.summary = dataclasses.replace(self._shown(), segments=new)
            self.edits = split_edits(self.edits, t)

    def _decide(self, i: int, kept: bool) -> None:
        seg = self._shown().segments[i]
        seg.selected = kept
        self.edits = [e for e in self.edits if not e.covers(seg)] + [Edit.of(seg, kept)]

    def piece_at(self, t: float) -> Optional[int]:
        """The piece of the summary on screen at ``t`` seconds (the last one at the end)."""
        if self.summary is None or not self.summary.segments:
            return None
        segs = self.summary.segments
        for i, g in enumerate(segs):
            if g.start_time <= t < g.end_time:
                return i
        return len(segs) - 1 if abs(t - segs[-1].end_time) < 1e-6 else None

    def split(self, t: float) -> Optional[int]:
        """Split the piece at ``t`` seconds in two (each part keeps its flag and can be
        toggled on its own; the cut holds over every later summary). Returns the second
        part's index; None: no piece there, or ``t`` within MIN_PIECE of its edge."""
        i = self.piece_at(t)
        if i is None:
            return None
        seg = self._shown().segments[i]
        t = round(float(t), 3)
        if not seg.start_time + MIN_PIECE <= t <= seg.end_time - MIN_PIECE:
            return None
        self._cut(t)
        self.record()
        return i + 1

    def trim(self, i: int, side: str, t: float) -> bool:
        """Move kept piece ``i``'s ``side`` ("start" / "end") edge to ``t`` seconds: the
        part trimmed off is dropped (or the part added kept), what remains is kept, both
        as edits at sub-piece precision (core.edits). False: nothing changed."""
        s = self.summary
        if s is None or not 0 <= i < len(s.segments) or not s.segments[i].selected:
            return False
        a, b = s.segments[i].start_time, s.segments[i].end_time
        edges = sorted({g.start_time for g in s.segments} | {g.end_time for g in s.segments})
        t = min(max(float(t), 0.0), float(s.duration))
        near = min(edges, key=lambda x: abs(x - t))
        t = near if abs(near - t) < MIN_PIECE else round(t, 3)
        if side == "start":
            t, old = min(t, b - MIN_PIECE), a
            keep = (t, b)
        else:
            t, old = max(t, a + MIN_PIECE), b
            keep = (a, t)
        if abs(t - old) < 1e-6:
            return False
        extend = t < a if side == "start" else t > b
        lo, hi = sorted((old, t))
        for c in (t, keep[1] if side == "start" else keep[0]):
            self._cut(c)
        for j, g in enumerate(self._shown().segments):
            mid = (g.start_time + g.end_time) / 2
            if lo < mid < hi:
                self._decide(j, extend)
            elif keep[0] < mid < keep[1]:
                self._decide(j, True)
        self.record()
        return True

    # -- projects ----------------------------------------------------------------------
    def restore(self, project: Any, settings: SummarizeSettings, new_gen: bool = False) -> int:
        """Put a saved project back on the open video, without training: its machine
        summary and scores, its cuts and edits, the flags it showed. ``settings``: what
        the scores were made with (the next extract step keeps them while they still
        match). ``new_gen``: updates of jobs still running are ignored from now on."""
        kept = (self.path, self.info, self.features, self.shots, self.made_with["extract"])
        self._clear()
        self.path, self.info, self.features, self.shots, self.made_with["extract"] = kept
        if new_gen:
            self.gen += 1
        summary = project.summary
        self.scores = np.asarray(summary.sample_scores, dtype=np.float32)
        self.device = getattr(project, "device", None)
        self.messages = list(getattr(project, "messages", []) or [])
        self.made_with.update(train=settings, select=settings)
        self._restored = True
        self.edits = list(project.edits)
        self.cuts = sorted(float(c) for c in project.cuts)
        self._base = summary
        self._summary_no += 1
        self._derive()
        flags = list(project.flags or [])
        if len(flags) == len(self._shown().segments):
            for seg, flag in zip(self._shown().segments, flags):
                seg.selected = bool(flag)
        self.record(settings, step=False)
        return self.gen

    # -- undo / redo -----------------------------------------------------------------
    def record(self, settings: Optional[SummarizeSettings] = None, step: bool = True) -> None:
        """Remember the state (``settings``: the user's new settings; None: unchanged);
        ``step``: an undoable user action (False: a new summary came)."""
        cur = self.history.current
        if settings is None:
            settings = cur.settings if cur is not None else self.made_with["select"]
        flags = tuple(bool(s.selected) for s in self.summary.segments) if self.summary else ()
        self.history.record(
            State(settings, tuple(self.edits), self._summary_no, flags, tuple(self.cuts)), step
        )

    def undo(self) -> Optional[State]:
        """Step back; returns the state now current (its settings are the GUI's to apply)."""
        return self._restore(self.history.undo())

    def redo(self) -> Optional[State]:
        return self._restore(self.history.redo())

    def _restore(self, state: Optional[State]) -> Optional[State]:
        if state is None:
            return None
        self.edits = list(state.edits)
        if list(state.cuts) != self.cuts and self._base is not None:
            self.cuts = list(state.cuts)
            self._derive()  # the pieces as they were cut then
        s = self.summary
        if s is not None:
            if state.summary_no == self._summary_no and len(state.flags) == len(s.segments):
                for seg, flag in zip(s.segments, state.flags):
                    seg.selected = flag
            else:  # another summary since: lay the edits over it afresh
                apply_edits(s, self._machine, self.edits)
        return state

    def selected_ranges(self) -> list[tuple[float, float]]:
        """(start, end) seconds of the kept pieces: what preview plays and export cuts."""
        if self.summary is None:
            return []
        return [(float(s.start_time), float(s.end_time)) for s in self.summary.selected]

    def budget_seconds(self) -> float:
        return float(self.summary.budget_seconds) if self.summary is not None else 0.0


__all__ = [
    "STAGES",
    "Edit",
    "Session",
    "State",
    "Extracted",
    "Scored",
    "Selected",
    "Update",
    "StepFn",
    "rerun_for",
    "stage_of",
]
