"""What the window shows of running jobs: the activity bar's stage, progress and time
left, the curve drawn live while training, and each step's result (features, scores,
a summary), failure or cancel.

A mixin of :class:`main_window.MainWindow` (kept apart so the window module stays
small); the JobRunner's signals are wired to these slots in ``MainWindow._wire``.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..core import api
from .jobs import Job
from .panels import STAGE_TEXT


class JobViews:
    """Slots for the JobRunner's signals (use the window's session, timeline, bars)."""

    session: Any
    timeline: Any
    player: Any
    panel: Any
    box: Any
    activity: Any
    device_label: Any
    backbone_label: Any
    cache_label: Any
    jobsIdle: Any  # noqa: N815 - a Qt signal
    summaryChanged: Any  # noqa: N815 - a Qt signal
    show_error: Callable[..., None]
    notify: Callable[..., None]
    _update_actions: Callable[[], None]

    def _on_job_started(self, job: Job) -> None:
        if job.name == "summarize":
            self.activity.busy(STAGE_TEXT["features"], None, None)
        elif job.name == "rescore":
            self.activity.busy("Re-training with the new weights", None, None)
        elif job.name == "export":
            self.activity.busy(STAGE_TEXT["export"], 0.0, None)
        self._update_actions()

    def _on_progress(self, job: Job, p: api.Progress) -> None:
        feats = self.session.features
        if (
            p.stage in ("stage1", "stage2")
            and isinstance(p.payload, np.ndarray)
            and feats is not None
            and len(p.payload) == len(feats.timestamps)
        ):
            self.timeline.set_scores(feats.timestamps, p.payload)  # the curve, live
        if job.name == "probe":
            return
        text = progress_text(job.name, p)
        frac = job.eta.fraction(p)
        if frac is None:
            frac = p.fraction if p.total > 0 else None
        self.activity.busy(text, frac, job.eta.eta(p))

    def _on_update(self, update: api.Update) -> None:
        s = self.session
        if isinstance(update, api.Extracted):
            feats = update.features  # (the session's now)
            self.player.set_fps(feats.info.fps)
            self.panel.set_duration(feats.info.duration)
            self.timeline.set_duration(feats.info.duration)
            if s.scores is None:
                self.timeline.set_scores(feats.timestamps, np.zeros(len(feats.timestamps)))
            if s.summary is None:
                self.timeline.set_shots(shot_times(feats, s.shots))
            self.backbone_label.setText(f"Backbone: {feats.backbone}")
            self.cache_label.setText(
                "Features: from cache" if feats.from_cache else "Features: computed"
            )
            if update.keep_scores:
                self.activity.idle("Summary restored")
            return
        if isinstance(update, api.Scored):
            if s.features is not None:  # (always, once scored)
                self.timeline.set_scores(s.features.timestamps, update.scores)
            self.device_label.setText(f"Device: {s.device}")
        self.timeline.set_summary(s.summary)
        self._show_summary_text()
        self.activity.idle("Summary ready")
        msgs = [str(m) for m in update.messages if m]
        if msgs:
            self.notify("  ".join(msgs), 15000)

    def _on_failed(self, msg: str, details: str, user: bool) -> None:
        self.activity.idle("Failed")
        self.show_error(msg if user else f"Something went wrong: {msg}", None if user else details)

    def _on_cancelled(self, text: str) -> None:
        """One consistent state after Cancel: the curve goes back to the scores the
        summary on screen was chosen from (a cancelled training drew its own)."""
        s = self.session
        if s.features is not None:
            scores = s.scores if s.scores is not None else np.zeros(len(s.features.timestamps))
            self.timeline.set_scores(s.features.timestamps, scores)
        if s.summary is not None and "Training" in text:
            text += " — the summary is still the one from before"
        self.activity.idle(text)

    def _on_idle(self) -> None:
        self._update_actions()
        self.jobsIdle.emit()

    # ================================================================== the summary
    def _show_summary_text(self) -> None:
        self.box.show_summary(self.session.summary, self.session.budget_seconds())
        self._update_actions()
        self.summaryChanged.emit()


def progress_text(job: str, p: api.Progress) -> str:
    """What the activity bar says: the stage in words, and for a retrain after a slider
    move what it is doing and how far (not only "Scoring moments (2 of 2)")."""
    text = STAGE_TEXT.get(p.stage, p.stage.capitalize())
    if job == "rescore" and p.stage in ("stage1", "stage2"):
        what = "learning the video" if p.stage == "stage1" else "scoring moments"
        text = f"Re-training for the new weights: {what}"
        if p.total > 0:
            text += f", step {int(p.done)} of {int(p.total)}"
    elif p.message:
        text = f"{text} — {p.message}"
    return text


def shot_times(feats, shots) -> np.ndarray:
    """(start, end) seconds of each shot before a summary exists (the strip under the curve)."""
    ts = np.asarray(feats.timestamps, dtype=np.float64)
    dur = float(feats.info.duration)
    out = []
    for a, b in np.asarray(shots).reshape(-1, 2):
        start = ts[a]
        end = ts[b + 1] if b + 1 < len(ts) else dur
        out.append((0.0 if a == 0 else start, end))
    return np.asarray(out, dtype=np.float64).reshape(-1, 2)
