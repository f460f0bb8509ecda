"""Workers for the avatar painters: one relays the painter process's events as signals, one drives the
live avatar painter, one fetches or checks the VGG19 weights. Each is one loop with one stop flag (see :mod:`ui.workers`)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Callable

from PyQt5.QtCore import pyqtSignal

from emocam.style.jobs import JobCancelled, JobFailed, JobFinished, JobProgress, JobStarted, StyleJobRunner
from emocam.style.live import LiveFailed, LivePainter
from emocam.style.vgg_weights import DownloadCancelled, WeightsSource, check_weights, download_weights
from ..workers import StoppableThread

log = logging.getLogger(__name__)


class StyleJobWorker(StoppableThread):
    """Polls ``runner`` and emits one signal per event, each carrying the event (a frozen dataclass).
    Starts with ``start()``; ends on ``stop()`` (the runner and its process stay: :meth:`StyleJobRunner.close`).

    A cancel the process does not answer within ``grace_s`` (it may be loading TensorFlow) ends the
    process: :meth:`cancel` is always honoured."""

    job_started = pyqtSignal(object)  # JobStarted
    job_progressed = pyqtSignal(object)  # JobProgress
    job_finished = pyqtSignal(object)  # JobFinished
    job_failed = pyqtSignal(object)  # JobFailed
    job_cancelled = pyqtSignal(object)  # JobCancelled

    def __init__(self, runner: StyleJobRunner, grace_s: float = 8.0, parent=None,
                 clock: Callable[[], float] = time.monotonic):
        super().__init__(parent)
        self.runner, self.grace_s, self._clock = runner, grace_s, clock
        self._deadline: tuple[int, float] | None = None  # (job id, time) for a hard cancel

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel ``job_id`` and the jobs before it (None: all); called from the GUI thread."""
        self.runner.cancel(job_id)
        upto = job_id if job_id is not None else max(self.runner.pending_ids, default=0)
        self._deadline = (upto, self._clock() + self.grace_s)

    def run(self) -> None:
        while not self._stopping:
            event = self.runner.poll(0.1)
            if event is None:
                event = self._hard_cancel_if_due()
            if event is not None:
                self._emit(event)

    def _hard_cancel_if_due(self):
        deadline = self._deadline
        if deadline is None or self._clock() < deadline[1]:
            return None
        self._deadline = None
        if not any(i <= deadline[0] for i in self.runner.pending_ids):
            return None
        log.warning("style job did not answer a cancel within %.0f s; ending the painter process", self.grace_s)
        return self.runner.terminate()

    def _emit(self, event) -> None:
        signal = {JobStarted: self.job_started, JobProgress: self.job_progressed, JobFinished: self.job_finished,
                  JobFailed: self.job_failed, JobCancelled: self.job_cancelled}[type(event)]
        signal.emit(event)


class WeightsWorker(StoppableThread):
    """Gets usable VGG19 weights once: downloads ``source`` (only start it after the user said yes) or,
    given ``path``, checks that file. Emits ``weights_ready(Path)`` or ``weights_failed(str)``, or
    ``download_cancelled()`` after ``stop()``; then ends. ``download_progressed(DownloadProgress)``
    reports the bytes as they come."""

    download_progressed = pyqtSignal(object)
    weights_ready = pyqtSignal(object)
    weights_failed = pyqtSignal(str)
    download_cancelled = pyqtSignal()

    def __init__(self, source: WeightsSource | None = None, path: Path | None = None, parent=None):
        super().__init__(parent)
        self.source, self.path = source, path

    def run(self) -> None:
        try:
            path = self.path if self.path is not None else download_weights(
                self.source, progress=self.download_progressed.emit, cancelled=lambda: self._stopping)
            self.weights_ready.emit(check_weights(path).path)
        except DownloadCancelled:
            self.download_cancelled.emit()
        except (OSError, ValueError) as e:  # offline, corrupt, not VGG19: all explained in the message
            log.warning("VGG19 weights not available: %s", e)
            self.weights_failed.emit(str(e))


class LiveAvatarWorker(StoppableThread):
    """Drives a :class:`~emocam.style.live.LivePainter`: sends it the newest face and emits each painting
    as ``avatar_painted(LiveAvatar)``, or ``live_failed(str)`` once if painting stopped. Starts with
    ``start()``; ends on ``stop()`` (the painter's process stays: :meth:`LivePainter.close`)."""

    avatar_painted = pyqtSignal(object)  # LiveAvatar
    live_failed = pyqtSignal(str)

    def __init__(self, painter: LivePainter, parent=None):
        super().__init__(parent)
        self.painter = painter

    def run(self) -> None:
        while not self._stopping:
            answer = self.painter.poll(0.05)
            if isinstance(answer, LiveFailed):
                self.live_failed.emit(answer.message)
            elif answer is not None:
                self.avatar_painted.emit(answer)
