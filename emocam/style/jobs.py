"""Style-transfer jobs in a separate process: the GUI's memory and frame rate stay its own, and a
crash or a hard cancel cannot take the app down.

The parent puts :class:`StyleJob` values on a bounded queue; one child process (``spawn``: no
inherited Qt or TensorFlow state) paints them in order and answers with small frozen event values
(:class:`JobStarted`, :class:`JobProgress`, :class:`JobFinished`, :class:`JobFailed`,
:class:`JobCancelled`). Each job's ``settings.engine`` picks the painter: the fast pretrained network
(onnxruntime, :mod:`emocam.style.fast`) or Gatys (TensorFlow, imported only for it). The child limits
itself to ``threads`` threads and lowers its priority, so the live video keeps its share of the CPU.

Cancel is cooperative: the parent raises a shared watermark (cancel every job up to id N); the child
checks it between steps, so a job stops within one step. A watermark rather than an Event that the
child would have to clear between jobs: a cancel meant for one job can then never hit the next. If the child does not answer in
time, :meth:`StyleJobRunner.terminate` ends it, and a process that dies turns into a
:class:`JobFailed` for its job; the next job starts a fresh child.
"""

from __future__ import annotations

import collections
import itertools
import logging
import multiprocessing as mp
import queue
import threading
import time

from emocam.style.messages import (JobCancelled, JobEvent, JobFailed, JobFinished, JobProgress, JobQueueFull,
                                   JobStarted, StyleJob)

__all__ = ["MAX_WAITING", "StyleJobRunner", "JobCancelled", "JobEvent", "JobFailed", "JobFinished",
           "JobProgress", "JobQueueFull", "JobStarted", "StyleJob"]

log = logging.getLogger(__name__)

MAX_WAITING = 4  # snapshots waiting for the painter; more are refused with a message


_DONE = (JobFinished, JobFailed, JobCancelled)


class StyleJobRunner:
    """Owns the painter process. Thread-safe: submit/cancel from the GUI thread, :meth:`poll` from a
    worker thread. The child starts with the first job and stays for the next ones (the networks,
    or TensorFlow and the VGG19, are loaded once) until it has been idle ``idle_exit_s`` seconds, which gives its memory
    (over 1 GB at 384 px) back; :meth:`close` ends it."""

    def __init__(self, threads: int = 1, nice: int = 10, max_waiting: int = MAX_WAITING, idle_exit_s: float = 120.0,
                 preload_fast: bool = False):
        self.threads, self.nice, self.max_waiting, self.idle_exit_s = threads, nice, max_waiting, idle_exit_s
        self.preload_fast = preload_fast
        self._ctx = mp.get_context("spawn")
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._pending: dict[int, StyleJob] = {}  # submitted, not yet done, in order
        self._process = None
        self._cancel_upto = self._ctx.Value("q", 0)
        self._reports: collections.deque = collections.deque()  # events made here (a process that died)

    def next_id(self) -> int:
        return next(self._ids)

    def submit(self, job: StyleJob) -> None:
        """Queue ``job`` (starts the child if needed). Raises :class:`JobQueueFull` when
        ``max_waiting`` jobs are already waiting behind the running one."""
        with self._lock:
            if len(self._pending) > self.max_waiting:
                raise JobQueueFull(f"{len(self._pending) - 1} avatars are already waiting; "
                                   "wait for them or cancel, then try again")
            self._ensure_child()
            try:
                self._jobs.put_nowait(job)
            except queue.Full as e:
                raise JobQueueFull(f"{self.max_waiting} avatars are already waiting; try again later") from e
            self._pending[job.job_id] = job

    def warm_up(self) -> None:
        """Start the painter now (with ``preload_fast``, it loads the fast engine's networks at once), so
        the first avatar does not wait for a process to start."""
        with self._lock:
            self._ensure_child()

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel ``job_id`` and every job submitted before it (None: all jobs so far)."""
        with self._lock:
            upto = job_id if job_id is not None else max(self._pending, default=0)
            with self._cancel_upto.get_lock():
                self._cancel_upto.value = max(self._cancel_upto.value, upto)

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._pending)

    @property
    def pid(self) -> int | None:
        """The painter process id while it runs, else None."""
        with self._lock:
            alive = self._process is not None and self._process.is_alive()
            return self._process.pid if alive else None

    @property
    def pending_ids(self) -> list[int]:
        with self._lock:
            return list(self._pending)

    def poll(self, timeout: float = 0.1) -> JobEvent | None:
        """The next event from the child, or None after ``timeout``. A child that died with jobs in
        hand becomes a :class:`JobFailed` for the job it was on (the others go to a fresh child)."""
        with self._lock:
            if self._reports:
                return self._reports.popleft()
            events, process = (self._events, self._process) if self._process else (None, None)
        if events is None:
            time.sleep(timeout)  # nothing to wait for yet; callers poll in a loop
            return None
        try:
            event = events.get(timeout=timeout)
        except queue.Empty:
            return self._check_alive(process)
        with self._lock:
            if isinstance(event, _DONE):
                self._pending.pop(event.job_id, None)
        return event

    def terminate(self) -> JobEvent | None:
        """End the child now (a cancel it did not answer). The job it was on is reported cancelled;
        the jobs behind it go to a fresh child."""
        with self._lock:
            process = self._process
            if process is None:
                return None
            process.terminate()
            process.join(5)
            return self._restart_after_death(JobCancelled)

    def close(self, timeout: float = 5.0) -> None:
        """Cancel everything and end the child (terminated if it does not stop within ``timeout``)."""
        self.cancel()
        with self._lock:
            process, self._process = self._process, None
            self._pending.clear()
        if process is None:
            return
        try:
            self._jobs.put_nowait(None)
        except queue.Full:
            pass
        process.join(timeout)
        if process.is_alive():
            process.terminate()
            process.join(2)

    # ----- the child's lifetime
    def _ensure_child(self) -> None:
        if self._process is not None and self._process.is_alive():
            return
        if self._process is not None:  # died before poll() noticed: report it, then start afresh
            report = self._restart_after_death(JobFailed)
            if report is not None:
                self._reports.append(report)
            if self._process is not None:  # the restart resubmitted the jobs behind, so the child is new
                return
        self._jobs = self._ctx.Queue(maxsize=self.max_waiting + 1)
        self._events = self._ctx.Queue(maxsize=64)
        from emocam.style.child import child_main

        self._process = self._ctx.Process(
            target=child_main, name="emocam-style",
            args=(self._jobs, self._events, self._cancel_upto, self.threads, self.nice, self.idle_exit_s,
                  self.preload_fast),
            daemon=True)
        self._process.start()
        log.info("style worker process %d started (%d thread(s))", self._process.pid, self.threads)

    def _check_alive(self, process) -> JobEvent | None:
        if process is None or process.is_alive():
            return None
        with self._lock:
            if process is not self._process or not self._pending:
                return None
            return self._restart_after_death(JobFailed)

    def _restart_after_death(self, kind) -> JobEvent | None:
        """The child is gone: what it had not started goes to a fresh one; the job it was on is lost."""
        code = self._process.exitcode
        self._process = None
        jobs = list(self._pending.values())
        self._pending.clear()
        lost = jobs.pop(0) if jobs and code != 0 else None  # exit 0: it left when idle, nothing was started
        for job in jobs:  # the old queues may be broken: resubmit from our own list
            self.submit(job)
        if lost is None:
            return None
        if kind is JobCancelled:
            return JobCancelled(lost.job_id)
        log.error("style worker process died (exit code %s) during job %d", code, lost.job_id)
        return JobFailed(lost.job_id, f"the avatar painter stopped unexpectedly ({_describe_exit(code)}); "
                                      "your snapshot is saved. Try again, or a smaller size if memory is short")


def _describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        import signal

        try:
            return f"killed by {signal.Signals(-code).name}" + (", probably out of memory" if code == -9 else "")
        except ValueError:
            pass
    return f"exit code {code}"
