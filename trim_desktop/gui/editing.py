"""The window's edit commands: toggle, trim, split, reset, undo and redo.

A mixin of :class:`main_window.MainWindow` (kept apart so the window module stays
small): each command changes the Qt-free Session (core.edits says how edits survive a
rescore) and redraws the pieces; undo and redo also put the settings of the restored
step back into the panel and let the JobRunner rerun what they need.
"""

from __future__ import annotations

from typing import Any, Callable

from .settings import save_choices, show_settings


class EditCommands:
    """Edit commands of the main window (uses its session, timeline, panel, jobs)."""

    session: Any
    timeline: Any
    panel: Any
    jobs: Any
    store: Any
    notify: Callable[..., None]
    _record_choice: Callable[[], None]
    _show_summary_text: Callable[[], None]

    def toggle_shot(self, i: int) -> None:
        """Add piece ``i`` to the summary or drop it (an edit that survives a rescore)."""
        if self.session.toggle(i) is not None:
            self.show_pieces()

    def trim_piece(self, i: int, side: str, t: float) -> None:
        """A kept piece's edge was dragged to ``t``: one undoable edit (core.edits)."""
        if self.session.trim(i, side, t):
            self.show_pieces()

    def split_at_playhead(self) -> None:
        """S: cut the piece under the playhead in two (each part kept or dropped alone)."""
        if self.session.split(self.timeline.position()) is None:
            self.notify(
                "Nothing to split here: move the playhead inside a piece, away from its edges.",
                5000,
            )
        else:
            self.show_pieces()

    def reset_edits(self) -> None:
        """ "n manual changes - Reset": the automatic pieces and choice again."""
        self.session.reset_edits()
        self.show_pieces()

    def undo(self) -> None:
        self._record_choice()  # a setting moved just now is a step of its own
        self._restore(self.session.undo())

    def redo(self) -> None:
        self._restore(self.session.redo())

    def _restore(self, state) -> None:
        if state is None:
            return
        if state.settings is not None:
            show_settings(self.panel, state.settings)
            save_choices(self.store, self.panel)
        self.show_pieces()
        self.jobs.follow()  # reruns what the restored settings need

    def show_pieces(self) -> None:
        """The pieces (cut by splits and trims) and their flags, after an edit."""
        if self.session.summary is not None:
            self.timeline.set_summary(self.session.summary)
        self._show_summary_text()
