"""The user's edits to a summary, kept by time so they survive a rescore or a re-cut, and
an undo / redo history of edits and settings.

Two kinds of record, both in seconds, both laid over every new summary (other weights,
budget, preset, or other pieces altogether):

* a **cut** (``Session.cuts``): the user split a piece there. Every summary's pieces are
  cut at the user's cuts (:func:`split_summary`; a cut closer than :data:`MIN_PIECE` to a
  piece's edge is ignored for that summary), each part keeping its piece's score, reason
  and machine choice.
* an :class:`Edit`: "keep (or drop) what lies between these seconds". Every piece that an
  edit covers for more than half its length takes the edit's choice; the rest is fitted
  around them: over the budget, the machine's weakest picks give way; under it, its best
  left-out pieces that fit come in (never junk or a repeat).

A **trim** (dragging a kept piece's edge) is no third kind: it is a cut at the new edge
(and one pinning the other edge), a drop edit over the part trimmed off (or a keep edit
over the part added) and a keep edit over what remains. Because pieces are cut first,
edits always cover whole pieces, so the kept ranges that preview plays and export cuts
are still the kept pieces, now at sub-piece precision. No Qt, no torch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Optional, Sequence

MIN_PIECE = 0.2
"""Shortest piece a split or a trim makes, in seconds (a few frames)."""


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


def split_edits(edits: Sequence[Edit], t: float) -> list[Edit]:
    """``edits`` with every edit that spans ``t`` divided there (so each part of a split
    piece can be toggled on its own without forgetting the other's choice)."""
    out: list[Edit] = []
    for e in edits:
        if e.start + 1e-9 < t < e.end - 1e-9:
            out += [Edit(e.start, t, e.kept), Edit(t, e.end, e.kept)]
        else:
            out.append(e)
    return out


def cut_points(seg: Any, cuts: Sequence[float]) -> list[float]:
    """The edges of ``seg``'s parts once cut at ``cuts``: parts of at least MIN_PIECE."""
    a, b = float(seg.start_time), float(seg.end_time)
    pts = [a]
    for t in sorted(cuts):
        if t - pts[-1] >= MIN_PIECE - 1e-9 and b - t >= MIN_PIECE - 1e-9:
            pts.append(float(t))
    return pts + [b]


def cut_segments(segments: Sequence[Any], cuts: Sequence[float]) -> list[Any]:
    """Copies of ``segments`` cut at ``cuts`` (renumbered); a part keeps its piece's score,
    reason, junk and flag, and the frames in proportion to its time."""
    out: list[Any] = []
    for seg in segments:
        pts = cut_points(seg, cuts)
        a, b = pts[0], pts[-1]
        f0, n = int(seg.start_frame), int(seg.end_frame) - int(seg.start_frame) + 1
        frame = [f0 + (round((x - a) / (b - a) * n) if b > a else 0) for x in pts]
        frame[-1] = f0 + n
        for k in range(len(pts) - 1):
            out.append(
                dataclasses.replace(
                    seg,
                    index=len(out),
                    start_time=pts[k],
                    end_time=pts[k + 1],
                    start_frame=frame[k],
                    end_frame=max(frame[k], frame[k + 1] - 1),
                )
            )
    return out


def split_summary(summary: Any, cuts: Sequence[float]) -> Any:
    """A copy of ``summary`` whose pieces are cut at ``cuts`` (the original is untouched)."""
    return dataclasses.replace(summary, segments=cut_segments(summary.segments, cuts))


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
    for i in sorted(
        (i for i in free if not segs[i].selected and _may_fill(segs[i])),
        key=lambda i: -segs[i].score,
    ):
        if total + segs[i].duration <= budget:
            segs[i].selected = True
            total += segs[i].duration


@dataclass(frozen=True)
class State:
    """One undo step: the settings, the edits, the cuts, and the flags of summary number
    ``summary_no`` cut at those cuts."""

    settings: Any
    edits: tuple[Edit, ...]
    summary_no: int
    flags: tuple[bool, ...]
    cuts: tuple[float, ...] = ()


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
            del self._past[: -self.limit]
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
