"""Thin QThread workers: call a core function, turn its progress reports into signals.

A :class:`Job` owns one ``QThread`` and one :class:`Worker` living in it. The worker runs
``fn(progress, cancel)`` — a closure around a ``trim_desktop.core.pipeline`` call — and
emits exactly one of ``finished(result)``, ``failed(message, details, is_user_error)`` or
``cancelled()``. Progress reports cross to the GUI thread through a queued signal; the
worker never touches a widget.
"""
from __future__ import annotations

import traceback
from typing import Any, Callable, Optional

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..core.errors import TrimError
from ..core.progress import CancelToken, Cancelled, Progress

JobFn = Callable[[Callable[[Progress], None], CancelToken], Any]


class Worker(QObject):
    progress = Signal(object)           # core.progress.Progress
    finished = Signal(object)           # whatever fn returned
    failed = Signal(str, str, bool)     # message, details (traceback), is TrimError
    cancelled = Signal()

    def __init__(self, fn: JobFn, cancel: CancelToken) -> None:
        super().__init__()
        self._fn = fn
        self._cancel = cancel

    def _report(self, p: Progress) -> None:
        # Called in the worker thread by the core; a signal is the only way out.
        self.progress.emit(p)

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._report, self._cancel)
        except Cancelled:
            self.cancelled.emit()
        except TrimError as err:
            if self._cancel.cancelled:
                self.cancelled.emit()
            else:
                self.failed.emit(str(err), traceback.format_exc(), True)
        except BaseException as err:  # noqa: BLE001 - anything else is a bug; keep the app alive
            if self._cancel.cancelled:
                self.cancelled.emit()
            else:
                msg = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
                self.failed.emit(msg, traceback.format_exc(), False)
        else:
            if self._cancel.cancelled:
                self.cancelled.emit()
            else:
                self.finished.emit(result)
        finally:
            # Stop this thread's event loop from inside: the outcome signals are already
            # queued to the GUI thread, and a GUI thread blocked in wait() cannot deadlock.
            QThread.currentThread().quit()


class Job(QObject):
    """One background run. Signals are re-emitted in the GUI thread.

    ``done`` fires last, after the thread has stopped, whatever the outcome.
    """

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str, bool)
    cancelled = Signal()
    done = Signal()

    def __init__(self, name: str, fn: JobFn, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.name = name
        self.cancel_token = CancelToken()
        self.thread = QThread()
        self.thread.setObjectName(f"trim-{name}")
        self.worker = Worker(fn, self.cancel_token)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.thread.finished.connect(self._on_thread_finished)
        self._outcome: Optional[tuple] = None
        self._running = False

    # -- control -------------------------------------------------------------------------
    def start(self) -> "Job":
        self._running = True
        self.thread.start()
        return self

    def cancel(self) -> None:
        self.cancel_token.cancel()

    @property
    def running(self) -> bool:
        return self._running

    @property
    def cancel_requested(self) -> bool:
        return self.cancel_token.cancelled

    def wait(self, ms: int = -1) -> bool:
        """Block until the thread ends (used when closing the window)."""
        if ms < 0:
            return self.thread.wait()
        return self.thread.wait(ms)

    # -- outcome (worker thread -> GUI thread) -------------------------------------------
    def _on_finished(self, result) -> None:
        self._outcome = ("finished", result)

    def _on_failed(self, msg: str, details: str, user: bool) -> None:
        self._outcome = ("failed", msg, details, user)

    def _on_cancelled(self) -> None:
        self._outcome = ("cancelled",)

    def _on_thread_finished(self) -> None:
        self.thread.wait()  # `finished` is emitted just before the thread really ends
        self._running = False
        outcome = self._outcome or ("cancelled",)
        self._outcome = None
        kind = outcome[0]
        if kind == "finished":
            self.finished.emit(outcome[1])
        elif kind == "failed":
            self.failed.emit(*outcome[1:])
        else:
            self.cancelled.emit()
        self.done.emit()
