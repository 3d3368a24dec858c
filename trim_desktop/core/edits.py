"""The user's edits to a summary, kept by time so they survive a rescore or a re-cut, and
an undo / redo history of edits and settings.

An :class:`Edit` says "keep (or drop) what lies between these seconds". On a new summary
(other weights, budget, preset, or other pieces altogether) every piece that an edit
covers for more than half its length takes the edit's choice; the rest is fitted around
them: over the budget, the machine's weakest picks give way; under it, its best left-out
pieces that fit come in (never junk or a repeat). No Qt, no torch.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence


@dataclass(frozen=True)
class Edit:
    """The user kept (``kept=True``) or dropped the piece at ``start``..``end`` seconds."""

    start: float
    end: float
    kept: bool

    def covers(self, seg: Any) -> bool:
        """Whether this edit decides ``seg``: it overlaps more than half of the piece."""
        a, b = float(seg.start_time), float(seg.end_time)
        if b <= a:
            return self.start <= a < self.end
        return min(b, self.end) - max(a, self.start) > 0.5 * (b - a)

    @classmethod
    def of(cls, seg: Any, kept: bool) -> Edit:
        return cls(float(seg.start_time), float(seg.end_time), bool(kept))


def decided(segments: Sequence[Any], edits: Sequence[Edit]) -> dict[int, bool]:
    """Piece index -> the user's choice, for the pieces some edit covers (the last wins)."""
    out: dict[int, bool] = {}
    for i, seg in enumerate(segments):
        for e in edits:
            if e.covers(seg):
                out[i] = e.kept
    return out


def _may_fill(seg: Any) -> bool:
    return not getattr(seg, "junk", "") and "repeat" not in getattr(seg, "reason", "")


def apply_edits(summary: Any, machine: Sequence[bool], edits: Sequence[Edit]) -> None:
    """Set ``summary``'s flags: the machine's choice, the user's edits, the rest fitted."""
    segs = summary.segments
    fixed = decided(segs, edits)
    for i, seg in enumerate(segs):
        seg.selected = fixed.get(i, bool(machine[i]))
    if not fixed:
        return
    budget = float(summary.budget_seconds)
    total = sum(s.duration for s in segs if s.selected)
    free = [i for i in range(len(segs)) if i not in fixed]
    for i in sorted((i for i in free if segs[i].selected), key=lambda i: segs[i].score):
        if total <= budget:
            break
        segs[i].selected = False
        total -= segs[i].duration
    for i in sorted((i for i in free if not segs[i].selected and _may_fill(segs[i])),
                    key=lambda i: -segs[i].score):
        if total + segs[i].duration <= budget:
            segs[i].selected = True
            total += segs[i].duration


@dataclass(frozen=True)
class State:
    """One undo step: the settings, the edits, and the flags of summary number ``summary_no``."""

    settings: Any
    edits: tuple[Edit, ...]
    summary_no: int
    flags: tuple[bool, ...]


class History:
    """Undo / redo over :class:`State` values; a new record clears what could be redone."""

    def __init__(self, limit: int = 200) -> None:
        self.limit = limit
        self.clear()

    def clear(self) -> None:
        self.current: Optional[State] = None
        self._past: list[State] = []
        self._future: list[State] = []

    def record(self, state: State, step: bool = True) -> bool:
        """Make ``state`` the current one; ``step``: the user did something (undoable),
        else (a new summary came) it only replaces the current state. False: no change."""
        if state == self.current:
            return False
        if step and self.current is not None:
            self._past.append(self.current)
            del self._past[:-self.limit]
            self._future.clear()
        self.current = state
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._past)

    @property
    def can_redo(self) -> bool:
        return bool(self._future)

    def undo(self) -> Optional[State]:
        if not self._past or self.current is None:
            return None
        self._future.append(self.current)
        self.current = self._past.pop()
        return self.current

    def redo(self) -> Optional[State]:
        if not self._future or self.current is None:
            return None
        self._past.append(self.current)
        self.current = self._future.pop()
        return self.current
