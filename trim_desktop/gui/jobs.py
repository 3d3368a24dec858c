"""Background jobs: session steps in worker threads, progress and partial results as signals.

A :class:`Job` owns one ``QThread`` and one :class:`Worker` living in it. The worker runs
``fn(progress, cancel)``; when that returns a generator (a Session step), each value it
yields crosses to the GUI thread as ``yielded`` and the cancel token is checked between
them (superqt's ``GeneratorWorker`` works the same way). Exactly one of ``finished``,
``failed`` or ``cancelled`` follows, then ``done``. The worker never touches a widget.

:class:`JobRunner` owns "one pipeline job plus one export job, restart on change": a
settings change while a pipeline job runs cancels it when the job is already past what
the change touches and runs what the Session's plan says once it has stopped.
"""

from __future__ import annotations

import inspect
import traceback
from typing import Any, Callable, Optional

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal, Slot

from ..core import api
from ..core.api import STAGES, Cancelled, CancelToken, Extracted, Progress, TrimError

JobFn = Callable[[Callable[[Progress], None], CancelToken], Any]

CANCELLED_TEXT = {
    "summarize": "Summarize cancelled",
    "rescore": "Training cancelled",
    "select": "Cancelled",
    "export": "Export cancelled",
}
JOB_NAMES = {"extract": "summarize", "train": "rescore", "select": "select"}
DEBOUNCE_MS = 300
"""Slider moves closer together than this make one run."""


class Worker(QObject):
    progress = Signal(object)  # core.progress.Progress
    yielded = Signal(object)  # a partial result (a Session update)
    finished = Signal(object)  # what fn returned
    failed = Signal(str, str, bool)  # message, details (traceback), is TrimError
    cancelled = Signal()

    def __init__(self, fn: JobFn, cancel: CancelToken) -> None:
        super().__init__()
        self._fn = fn
        self._cancel = cancel

    def _report(self, p: Progress) -> None:
        # Called in the worker thread by the core; a signal is the only way out.
        self.progress.emit(p)

    def _drain(self, gen) -> Any:
        """Run a generator to its end, emitting what it yields; its return value."""
        try:
            while True:
                if self._cancel.cancelled:
                    gen.close()
                    raise Cancelled()
                self.yielded.emit(next(gen))
        except StopIteration as stop:
            return stop.value

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._report, self._cancel)
            if inspect.isgenerator(result):
                result = self._drain(result)
        except Cancelled:
            self.cancelled.emit()
        except BaseException as err:  # noqa: BLE001 - anything else is a bug; keep the app alive
            if self._cancel.cancelled:
                self.cancelled.emit()
            elif isinstance(err, TrimError):
                self.failed.emit(str(err), traceback.format_exc(), True)
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
    yielded = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str, bool)
    cancelled = Signal()
    done = Signal()

    def __init__(self, name: str, fn: JobFn, parent: Optional[QObject] = None) -> None:
        super().__init__(parent)
        self.name = name
        self.gen = 0  # the session generation it works for
        self.step: Optional[str] = None  # pipeline jobs: the stage it is in
        self.settings: Optional[api.SummarizeSettings] = None
        self.restart = False  # cancelled to run again: no "cancelled" message
        self.eta = api.JobEta(name)  # one estimate for the whole job
        self.cancel_token = CancelToken()
        self.qthread = QThread()
        self.qthread.setObjectName(f"trim-{name}")
        self.worker = Worker(fn, self.cancel_token)
        self.worker.moveToThread(self.qthread)
        self.qthread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress)
        self.worker.yielded.connect(self.yielded)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)
        self.qthread.finished.connect(self._on_thread_finished)
        self._outcome: Optional[tuple] = None
        self._running = False

    # -- control -------------------------------------------------------------------------
    def start(self) -> Job:
        self._running = True
        self.qthread.start()
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
            return self.qthread.wait()
        return self.qthread.wait(ms)

    # -- outcome (worker thread -> GUI thread) -------------------------------------------
    def _on_finished(self, result) -> None:
        self._outcome = ("finished", result)

    def _on_failed(self, msg: str, details: str, user: bool) -> None:
        self._outcome = ("failed", msg, details, user)

    def _on_cancelled(self) -> None:
        self._outcome = ("cancelled",)

    def _on_thread_finished(self) -> None:
        self.qthread.wait()  # `finished` is emitted just before the thread really ends
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


class JobRunner(QObject):
    """The app's jobs: one pipeline job (a Session step), one export, short side jobs.

    ``settings`` gives the settings the user has chosen now. ``changed()`` (debounced)
    brings the session up to them; ``summarize()`` runs everything again; ``cancel()``
    stops all and runs nothing after. Signals are for the window to render.
    """

    started = Signal(object)  # a pipeline or export Job
    progress = Signal(object, object)  # Job, Progress (the open video's jobs, exports)
    updated = Signal(object)  # a Session update, already applied
    failed = Signal(str, str, bool)  # message, details, is a user error
    cancelled = Signal(str)  # what to show ("Training cancelled")
    exported = Signal(str)  # the written file
    stopped = Signal()  # a pipeline or export job ended (what can run changed)
    idle = Signal()  # no pipeline or export job runs any more

    def __init__(
        self,
        session: api.Session,
        settings: Callable[[], api.SummarizeSettings],
        parent: Optional[QObject] = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self._settings = settings
        self.jobs: set[Job] = set()
        self.pipeline: Optional[Job] = None
        self.export_job: Optional[Job] = None
        self.closing = False
        self._user_cancelled = False
        self._queued: Optional[str] = None  # an explicit step to run once the job stops
        self._basis: tuple[int, Optional[api.SummarizeSettings]] = (0, None)
        self.debounce = QTimer(self)
        self.debounce.setSingleShot(True)
        self.debounce.setInterval(DEBOUNCE_MS)
        self.debounce.timeout.connect(self.follow)

    # -- state ---------------------------------------------------------------------------
    def is_busy(self) -> bool:
        """True while a pipeline (summarize / rescore / select) or export job runs."""
        return any(j is not None and j.running for j in (self.pipeline, self.export_job))

    def summarizing(self) -> bool:
        return (
            self.pipeline is not None
            and self.pipeline.running
            and self.pipeline.name == "summarize"
        )

    def exporting(self) -> bool:
        return self.export_job is not None and self.export_job.running

    # -- starting ------------------------------------------------------------------------
    def start(self, name: str, fn: JobFn) -> Job:
        """A side job (probe, warm-up): tracked so closing waits for it, nothing more."""
        job = Job(name, fn)
        job.gen = self.session.gen
        self.jobs.add(job)
        job.progress.connect(lambda p, job=job: self._on_progress(job, p))
        job.done.connect(lambda job=job: self._on_done(job))
        return job.start()

    def summarize(self) -> None:
        """Run everything from the features on (cached features load at once)."""
        self.debounce.stop()
        job = self.pipeline
        if job is not None and job.running:
            if job.name != "summarize" or job.cancel_requested:
                self._queued = "extract"
                self._cancel_for_restart(job)
            return
        self._user_cancelled = False
        self._run("extract", self._settings())

    def changed(self) -> None:
        """The user changed a setting: follow it once they pause."""
        self.debounce.start()

    def follow(self) -> None:
        """Bring the session up to the chosen settings: start, restart or wait."""
        self.debounce.stop()
        if self.closing:
            return
        new = self._settings()
        job = self.pipeline
        if job is not None and job.running:
            level = api.rerun_for(job.settings, new)
            if level not in (None, "select") and STAGES.index(
                job.step or "extract"
            ) >= STAGES.index(level):
                self._cancel_for_restart(job)  # follow() runs again when it has stopped
            return
        gen, basis = self._basis
        if basis is None or gen != self.session.gen:
            return  # nothing was run on this video: Summarize starts it
        level, step = api.rerun_for(basis, new), self.session.plan(new)
        # never redo more than the change asks for (a cancelled training stays cancelled
        # when only the budget moves afterwards)
        if level is not None and step is not None and STAGES.index(step) >= STAGES.index(level):
            self._run(step, new)

    def resume(self) -> None:
        """Bring a session restored from a project up to the chosen settings: its
        features (from the cache when there), new scores only where the settings ask."""
        self.debounce.stop()
        self._user_cancelled = False
        new = self._settings()
        self._basis = (self.session.gen, new)  # later changes are followed from here
        step = self.session.plan(new)
        if step is not None:
            self._run(step, new)

    def export(self, fn: JobFn) -> Optional[Job]:
        """Start an export unless one runs."""
        if self.exporting():
            return None
        job = self.start("export", fn)
        self.export_job = job
        job.finished.connect(lambda out: self.exported.emit(str(out)))
        self._connect_outcome(job)
        self.started.emit(job)
        return job

    def _run(self, step: str, settings: api.SummarizeSettings) -> None:
        try:
            fn = self.session.steps(step, settings)
        except ValueError:
            return
        self._basis = (self.session.gen, settings)
        job = Job(JOB_NAMES[step], fn)
        job.gen, job.step, job.settings = self.session.gen, step, settings
        self.jobs.add(job)
        self.pipeline = job
        job.progress.connect(lambda p, job=job: self._on_progress(job, p))
        job.yielded.connect(lambda u, job=job: self._on_update(job, u))
        job.done.connect(lambda job=job: self._on_done(job))
        self._connect_outcome(job)
        job.start()
        self.started.emit(job)

    def _connect_outcome(self, job: Job) -> None:
        job.failed.connect(lambda *a: None if self.closing else self.failed.emit(*a))
        job.cancelled.connect(
            lambda job=job: (
                None
                if self.closing or job.restart
                else self.cancelled.emit(CANCELLED_TEXT.get(job.name, "Cancelled"))
            )
        )

    # -- stopping ------------------------------------------------------------------------
    def _cancel_for_restart(self, job: Job) -> None:
        job.restart = True
        job.cancel()

    def cancel(self, export: bool = True) -> None:
        """Stop the pipeline job (and the export): nothing runs after it."""
        self.debounce.stop()
        self._queued = None
        job = self.pipeline
        if job is not None and job.running:
            self._user_cancelled = True
            job.restart = False
            job.cancel()
        if export and self.export_job is not None:
            self.export_job.cancel()

    def shutdown(self, wait: bool = True) -> None:
        """Cancel every job (closing the window). ``wait``: block until their threads
        end; otherwise they end behind the closed window (:func:`wait_behind`)."""
        self.closing = True
        self.debounce.stop()
        jobs = list(self.jobs)
        for job in jobs:
            job.cancel()
        if wait:
            for job in jobs:
                job.wait()
            return
        for job in jobs:
            if job.running:
                _keep_behind(job)

    # -- from the jobs (GUI thread) --------------------------------------------------------
    def _on_progress(self, job: Job, p: Progress) -> None:
        if self.closing or (job.gen != self.session.gen and job is not self.export_job):
            return
        self.progress.emit(job, p)

    def _on_update(self, job: Job, update: api.Update) -> None:
        if self.closing or not self.session.apply(update):
            return
        if isinstance(update, Extracted):
            job.step = "train"
        self.updated.emit(update)

    def _on_done(self, job: Job) -> None:
        self.jobs.discard(job)
        if self.closing:
            return
        tracked = job is self.export_job or job is self.pipeline
        if job is self.export_job:
            self.export_job = None
        if job is self.pipeline:
            self.pipeline = None
            queued, self._queued = self._queued, None
            if queued:  # Summarize pressed while another job ran
                self._user_cancelled = False
                self._run(queued, self._settings())
            elif job.gen == self.session.gen and not self._user_cancelled:
                self.follow()
        if tracked:
            self.stopped.emit()
        if not self.is_busy():
            self._user_cancelled = False
            self.idle.emit()


# Jobs cancelled by a window that closed without waiting: kept alive here (a QThread
# destroyed while it runs aborts the process) until their thread ends; the application
# waits for the rest when it quits.
_BEHIND: set = set()


def _keep_behind(job: Job) -> None:
    if not _BEHIND:
        app = QCoreApplication.instance()
        if app is not None and not app.property("trim_waits_behind"):
            app.aboutToQuit.connect(wait_behind)
            app.setProperty("trim_waits_behind", True)
    _BEHIND.add(job)
    job.done.connect(lambda job=job: QTimer.singleShot(0, lambda: _BEHIND.discard(job)))


def jobs_behind() -> int:
    """How many cancelled jobs of closed windows still run."""
    return sum(1 for j in _BEHIND if j.running)


def wait_behind(timeout_ms: int = 30000) -> bool:
    """Block until the jobs of closed windows have stopped (at quit: the window is
    already gone, so nobody watches a frozen window)."""
    ok = True
    for job in list(_BEHIND):
        ok = job.wait(timeout_ms) and ok
    return ok
