"""Workers that bridge threads. Each is one loop with one stop flag; threads meet only through
signals carrying one immutable object. Stop = set the flag, ``quit()``, ``wait()``."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from PyQt5.QtCore import QObject, QRunnable, QThread, QThreadPool, pyqtSignal

from emocam.live.clock import SYSTEM_CLOCK, Clock
from emocam.live.sources import FrameSource, probe_cameras
from emocam.live.slot import LatestFrame, SlotWriter
from emocam.live.capture_loop import CaptureLoop, LoopSettings
from emocam.live.session import LiveSession
from emocam.types import Frame, FrameResult

log = logging.getLogger(__name__)


class StoppableThread(QThread):
    """A QThread with a stop flag and a bounded :meth:`stop`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._stopping = False

    def request_stop(self) -> None:
        """Ask the loop to end without waiting (it ends at its next check)."""
        self._stopping = True
        self.quit()

    def stop(self, timeout_ms: int = 1500) -> bool:
        """Ask the loop to end and wait for it; True if it ended in time."""
        self.request_stop()
        return self.wait(timeout_ms)


class CaptureWorker(StoppableThread):
    """Runs ``source`` through :class:`emocam.live.capture_loop.CaptureLoop`, putting each frame into
    ``slot`` (newest only). Starts with ``start()``; ends on ``stop()``, when the source fails to
    open, or when a file source ends. ``state_changed(CaptureState)`` reports what it is doing."""

    state_changed = pyqtSignal(object)

    def __init__(self, source: FrameSource, slot: LatestFrame | SlotWriter, settings: LoopSettings = LoopSettings(),
                 parent=None):
        super().__init__(parent)
        self.source, self.slot, self.settings = source, slot, settings

    def run(self) -> None:
        CaptureLoop(self.source, self.slot, self.state_changed.emit, lambda: self._stopping, self.settings).run()


class ProcessWorker(StoppableThread):
    """Takes the newest frame from the session's slot, runs it through :class:`LiveSession` (which
    applies the commands other threads sent it first) and hands the result to the GUI, newest only.
    Starts with ``start()``; ends on ``stop()``.

    ``frame_processed`` is emitted only when the GUI has taken the previous result: a result made
    while the GUI is still busy replaces the one waiting, so results never queue up in the event
    loop. The slot takes the waiting result with :meth:`take_result`."""

    frame_processed = pyqtSignal(object)  # FrameResult (take the newest with take_result)
    processing_failed = pyqtSignal(str)

    def __init__(self, session: LiveSession, parent=None):
        super().__init__(parent)
        self.session = session
        self._lock = threading.Lock()
        self._waiting: FrameResult | None = None
        self._dropped = 0

    @property
    def dropped(self) -> int:
        """Results replaced before the GUI took them."""
        with self._lock:
            return self._dropped

    def take_result(self) -> FrameResult | None:
        """The newest result not yet taken (GUI thread), or None."""
        with self._lock:
            result, self._waiting = self._waiting, None
            return result

    def run(self) -> None:
        while not self._stopping:
            frame = self.session.slot.take(timeout=0.1)
            if frame is not None:
                self._publish(self._process(frame))

    def _publish(self, result: FrameResult) -> None:
        with self._lock:
            pending = self._waiting is not None
            self._dropped += pending
            self._waiting = result
        if not pending:
            self.frame_processed.emit(result)

    def _process(self, frame: Frame) -> FrameResult:
        try:
            return self.session.process(frame)
        except Exception as e:  # a bad frame must not end the loop
            log.exception("processing frame %d failed", frame.index)
            self.processing_failed.emit(f"processing failed: {e}")
            return FrameResult(frame, epoch=self.session.epoch)


class ModelLoader(StoppableThread):
    """Loads and validates one model file, then ends. The file is read once; unless those bytes are
    a model shipped with the package (checked by hash in :mod:`emocam.models.lookup`, never by name),
    they are checked and converted in a child process, and the classifier is built from exactly the
    bytes the child ran, so neither a crashing parser nor a file swapped on disk can crash the app.
    Stopping kills that child. Emits ``model_loaded(classifier)`` or ``model_failed(message)``.

    ``trusted`` is accepted for compatibility and ignored: trust is decided from the bytes."""

    model_loaded = pyqtSignal(object)
    model_failed = pyqtSignal(str)

    def __init__(self, path: Path, trusted: bool = False, parent=None):
        from emocam.models.probe import ModelOpening

        super().__init__(parent)
        self.path = Path(path)
        self._opening = ModelOpening(self.path)

    def request_stop(self) -> None:
        super().request_stop()
        self._opening.cancel()

    def run(self) -> None:
        try:
            if self._stopping:
                return
            classifier = self._opening.run()
        except Exception as e:  # every failure becomes a message; the old model keeps running
            log.warning("model %s refused: %s", self.path, e)
            if not self._stopping:
                self.model_failed.emit(str(e))
            return
        self.model_loaded.emit(classifier)


class CameraProbe(StoppableThread):
    """Finds cameras that deliver a frame (slow on some systems). Emits ``cameras_found(list)``."""

    cameras_found = pyqtSignal(object)

    def __init__(self, in_use: tuple[int, ...] = (), parent=None):
        super().__init__(parent)
        self.in_use = in_use

    def run(self) -> None:
        self.cameras_found.emit(tuple(probe_cameras(in_use=self.in_use)))


_IO_POOL: QThreadPool | None = None


def io_pool() -> QThreadPool:
    """The pool for our own file-writing jobs (snapshots, exports).

    Never Qt's global pool: Qt uses that one internally (QImage smooth scaling waits on it while
    the GUI thread holds the GIL), and Python jobs queued there would need the GIL to finish — a
    deadlock seen when snapshots were taken while the emoji panel rescaled."""
    global _IO_POOL
    if _IO_POOL is None:
        _IO_POOL = QThreadPool()
        _IO_POOL.setMaxThreadCount(2)
    return _IO_POOL


class SnapshotSignals(QObject):
    snapshot_saved = pyqtSignal(object)  # Path
    snapshot_failed = pyqtSignal(str)


class SnapshotJob(QRunnable):
    """Writes one snapshot PNG atomically on the thread pool; reports through ``signals``."""

    def __init__(self, rgb, folder: Path, mirror: bool, faces=(), overlays: bool = False):
        super().__init__()
        self.rgb, self.folder, self.mirror = rgb, Path(folder), mirror
        self.faces, self.overlays = tuple(faces), overlays
        self.signals = SnapshotSignals()

    def run(self) -> None:
        """The PNG (overlays drawn if asked) and its sidecar ``.json`` with each face's emotions."""
        from emocam.session.snapshots import save_snapshot_with_record

        try:
            self.signals.snapshot_saved.emit(save_snapshot_with_record(self.rgb, self.folder, self.faces,
                                                                       self.mirror, self.overlays))
        except Exception as e:  # disk full, permissions...: say so, lose nothing else
            self.signals.snapshot_failed.emit(f"Snapshot not saved to {self.folder}: {e}")


def stop_all(workers, budget_s: float, clock: Clock = SYSTEM_CLOCK) -> list:
    """Ask every worker to stop, then wait for them, ``budget_s`` seconds in all on ``clock`` (a camera
    stuck in a read or a model conversion cannot be interrupted: the app leaves without them).
    Returns the workers still running, logged by name."""
    workers = list(workers)
    for worker in workers:
        worker.request_stop()
    deadline = clock.now() + budget_s
    left = [w for w in workers if not w.wait(max(0, round(1000 * (deadline - clock.now()))))]
    if left:
        log.warning("leaving without %d worker(s) that did not stop within %g s: %s", len(left), budget_s,
                    ", ".join(_describe(w) for w in left))
    return left


def _describe(worker) -> str:
    source = getattr(worker, "source", None)
    return type(worker).__name__ + (f" ({source.name})" if getattr(source, "name", None) else "")
