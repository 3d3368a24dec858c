"""Thumbnails of pieces for the timeline's hover, made one at a time off the GUI thread.

The pictures come from :func:`core.thumbnails.grab_frames` (a seek and a short decode);
a request returns the cached image at once or None, and ``ready`` brings it later.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

WIDTH = 160


class Thumbnails(QObject):
    ready = Signal(object, QImage)  # key (path, seconds), image

    def __init__(self, parent: Optional[QObject] = None, width: int = WIDTH) -> None:
        super().__init__(parent)
        self.width = width
        self._cache: dict = {}
        self._asked: set = set()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="trim-thumbs")
        self.ready.connect(self._store)

    def get(self, path: Optional[str], seconds: float) -> Optional[QImage]:
        """The picture of ``path`` at ``seconds`` (rounded to 0.1 s) if made, else None
        (and it is made in the background)."""
        if not path:
            return None
        key = (path, round(float(seconds), 1))
        img = self._cache.get(key)
        if img is None and key not in self._asked:
            self._asked.add(key)
            try:
                self._pool.submit(self._make, key)
            except RuntimeError:  # shut down
                pass
        return img

    def _make(self, key) -> None:
        from ..core import api

        try:
            frame = api.grab_frames(key[0], [key[1]], width=self.width)[0]
        except Exception:  # noqa: BLE001 - a missing thumbnail is not an error
            frame = None
        if frame is None:
            return
        h, w = frame.shape[:2]
        img = QImage(frame.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.ready.emit(key, img)

    def _store(self, key, img: QImage) -> None:
        self._cache[key] = img

    def clear(self) -> None:
        self._cache.clear()
        self._asked.clear()

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
