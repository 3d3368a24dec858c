"""Preview: play only the kept pieces, jumping over the gaps, and stop after the last.

Ending preview (P again, Esc, another video) also stops playback: it used to carry on
through the parts that are not in the summary.
"""

from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QObject


class Preview(QObject):
    """Drives ``player`` through ``ranges()`` while on; ``controls`` show the on/off state."""

    def __init__(
        self,
        player,
        ranges: Callable[[], list[tuple[float, float]]],
        controls: list,
        message: Callable[[str], None],
        parent: Optional[QObject] = None,
    ) -> None:
        super().__init__(parent)
        self.player = player
        self.ranges = ranges
        self.controls = controls
        self.message = message
        self.on = False
        self._jump: Optional[float] = None

    def set(self, on: bool, allowed: bool = True) -> None:
        on = bool(on) and allowed and bool(self.ranges())
        if on == self.on:
            self._sync()
            return
        self.on = on
        self._jump = None
        self._sync()
        if not on:
            self.player.pause()
        if on:
            t = self.player.position()
            target = self.target(t)
            if target is None:  # past the last piece: start from the first
                target = self.ranges()[0][0]
            if target != t:
                self._seek(target)
            self.player.play()
            self.message("Previewing the summary — press P to stop")

    def _sync(self) -> None:
        for w in self.controls:
            w.blockSignals(True)
            w.setChecked(self.on)
            w.blockSignals(False)

    def target(self, t: float) -> Optional[float]:
        """Where preview playback at ``t`` should be: ``t`` itself inside a kept piece,
        the start of the next kept piece in a gap, None past the last one."""
        eps = 0.05
        for a, b in self.ranges():
            if a - eps <= t < b - 0.02:
                return t
            if t < a:
                return a
        return None

    def _seek(self, target: float) -> None:
        self._jump = target
        self.player.seek_to(target)

    def position(self, t: float) -> None:
        """The player reached ``t``: jump over a gap, or stop after the last piece."""
        if not self.on:
            return
        if self._jump is not None and t < self._jump - 0.05:
            return  # the jump has not landed yet
        self._jump = None
        target = self.target(t)
        if target is None:
            self.player.pause()
            self.set(False)
            self.message("Preview finished")
        elif target != t:
            self._seek(target)
