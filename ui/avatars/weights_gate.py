"""Getting the VGG19 weights for the detailed (Gatys) engine in the app, only with the user's yes and
only from that engine's settings (:mod:`ui.avatars.engine_choice`), never because of a snapshot.

When they are missing, a dialog says what (about 80 MB), from where and to where, and
offers a copy the user already has instead; "Not now" leaves a notice with the same two ways, and
is not asked again this session. Downloading and checking run in a :class:`WeightsWorker`.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QAction, QFileDialog, QMessageBox, QWidget

from emocam.style.transfer import format_eta
from emocam.style.vgg_weights import FILE_NAME, WeightsSource, find_weights, offline_message
from ..widgets.notice_bar import NoticeBar
from .style_settings import PanelSettings
from .style_worker import WeightsWorker

log = logging.getLogger(__name__)
_still_running: set = set()  # a QThread must outlive its run(); these are kept until they end


class WeightsGate(QObject):
    """Answers "which weights file?" and, when there is none, asks the user. ``weights_ready(Path)``
    fires once a file is downloaded or chosen and checked; ``progressed(fraction, text)`` during a
    download; ``status_changed(text)`` for the panel's status line."""

    weights_ready = pyqtSignal(object)
    progressed = pyqtSignal(float, str)
    status_changed = pyqtSignal(str)

    def __init__(self, prefs: PanelSettings, notice: NoticeBar, source: WeightsSource = WeightsSource(),
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.prefs, self.notice, self.source = prefs, notice, source
        self.consent_box: QMessageBox | None = None
        self.worker: WeightsWorker | None = None
        self.declined = False
        self._started = 0.0

    def available(self) -> Path | None:
        """The file to use: the one the user chose, else the first found (cheap: no reading)."""
        chosen = self.prefs.weights
        return chosen if chosen is not None and chosen.is_file() else find_weights()

    @property
    def busy(self) -> bool:
        return self.worker is not None

    def request(self, modal: bool = True) -> None:
        """Weights are needed now: ask (once per session), or show the notice if the user said not now.
        ``modal=False`` (a snapshot was just taken): only the notice, never a dialog over the video."""
        if self.worker is not None or self.consent_box is not None:
            return
        if not modal:
            self._show_notice("Snapshot saved; to paint avatars ")
            return
        if self.declined:
            self._show_notice("Snapshot saved, but no avatar: ")
            return
        box = QMessageBox(QMessageBox.Question, "Download the style-transfer network?",
                          "The detailed avatar engine paints with VGG19, a network trained on ImageNet. "
                          "Its weights are not on this computer yet (the fast engine needs none).", parent=self.parent())
        box.setInformativeText(
            f"Download about {self.source.approx_mb} MB from {self.source.url} into {self.source.target}? "
            f"This happens once. Or choose a copy of {FILE_NAME} you already have. "
            "Until then the fast engine paints your snapshots.")
        self.buttons = {"download": box.addButton(f"Download ({self.source.approx_mb} MB)", QMessageBox.AcceptRole),
                        "choose": box.addButton("Choose file...", QMessageBox.ActionRole),
                        "not now": box.addButton("Not now", QMessageBox.RejectRole)}
        # Space is the snapshot key and Enter is easy to hit: neither may start an 80 MB download
        box.setDefaultButton(self.buttons["not now"])
        box.setEscapeButton(self.buttons["not now"])
        box.buttonClicked.connect(self._on_consent_answered)
        self.consent_box = box
        box.open()

    def _on_consent_answered(self, button) -> None:
        self.consent_box = None
        if button is self.buttons["download"]:
            self.download()
        elif button is self.buttons["choose"]:
            self._on_choose_clicked()
        else:
            self.declined = True
            self._show_notice("No avatar for now: ")

    def _show_notice(self, prefix: str) -> None:
        download = QAction(f"Download ({self.source.approx_mb} MB)", self.notice)
        download.triggered.connect(self.download)
        choose = QAction("Choose file...", self.notice)
        choose.triggered.connect(self._on_choose_clicked)
        self.notice.show_notice(prefix + offline_message(self.source), [download, choose])

    def download(self) -> None:
        """Fetch the weights (the user has said yes) in a worker; :meth:`cancel` stops it."""
        self._start(WeightsWorker(source=self.source, parent=self))
        self.status_changed.emit(f"Downloading the VGG19 weights to {self.source.target}...")

    def _on_choose_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent(), f"Choose {FILE_NAME}", str(Path.home()),
                                              "Keras weights (*.h5)")
        if path:
            self.use_file(Path(path))

    def use_file(self, path: Path) -> None:
        """Check ``path`` in a worker and, if it is VGG19, use it from now on."""
        self._start(WeightsWorker(path=Path(path), parent=self))
        self.status_changed.emit(f"Checking {Path(path).name}...")

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.stop(100)  # the loop notices within one block; finished cleans up

    def shutdown(self) -> None:
        worker = self.worker
        if worker is not None and not worker.stop(300):  # stuck in a network read: let it end on its own
            worker.setParent(None)
            _still_running.add(worker)
            worker.finished.connect(lambda: _still_running.discard(worker))

    def _start(self, worker: WeightsWorker) -> None:
        if self.worker is not None:
            return
        self.notice.hide()
        worker.download_progressed.connect(self._on_download_progressed)
        worker.weights_ready.connect(self._on_weights_ready)
        worker.weights_failed.connect(self._on_weights_failed)
        worker.download_cancelled.connect(lambda: self._on_weights_failed("Download cancelled."))
        worker.finished.connect(self._on_worker_finished)
        self.worker, self._started = worker, time.monotonic()
        worker.start()

    def _on_download_progressed(self, p) -> None:
        total = f" / {p.total / 1e6:.0f}" if p.total else ""
        eta = format_eta(time.monotonic() - self._started, p.fraction or 0.0)
        self.progressed.emit(p.fraction or 0.0, f"Downloading the VGG19 weights: {p.received / 1e6:.1f}{total} MB {eta}")

    def _on_weights_ready(self, path: Path) -> None:
        self.prefs.weights, self.declined = Path(path), False
        self.status_changed.emit(f"VGG19 weights ready: {path}")
        self.weights_ready.emit(Path(path))

    def _on_weights_failed(self, message: str) -> None:
        self.declined = True
        self._show_notice(f"{plain_error(message)} ")
        self.status_changed.emit("No avatar: the VGG19 weights are missing.")

    def _on_worker_finished(self) -> None:
        self.worker = None
        self.progressed.emit(0.0, "")


_NETWORK_HINTS = ("Name or service not known", "Temporary failure in name resolution", "nodename nor servname",
                  "Network is unreachable", "Connection refused", "timed out", "getaddrinfo failed")


def plain_error(message: str) -> str:
    """A download failure in words a user can act on: no raw ``[Errno -2] ...``."""
    if any(hint in message for hint in _NETWORK_HINTS):
        return "No internet connection: the download could not start."
    if "[Errno" in message:
        return "The download failed (" + message.split("]", 1)[-1].strip().split(".")[0] + ")."
    return message
