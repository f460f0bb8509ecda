"""The avatar panel: pick a style, and each snapshot is painted into an avatar in a separate process
while the video keeps running. Progress with ETA, cancel, preview, a before/after gallery, and a live
avatar of the followed face. The fast engine (default) needs nothing; the detailed engine's VGG19
weights are offered only from its own setting (:mod:`ui.avatars.engine_choice`), never by a snapshot.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from pathlib import Path

from PyQt5.QtCore import QSettings, QSize, Qt, QTimer, pyqtSignal
from PyQt5.QtGui import QPixmap
from PyQt5.QtWidgets import (QApplication, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton,
                             QVBoxLayout, QWidget)

from emocam.live.sources import IMAGE_SUFFIXES
from emocam.style.credits import credits_text
from emocam.style.images import STYLE_FOR_EMOTION, builtin_styles, result_path
from emocam.style.jobs import JobQueueFull, StyleJob, StyleJobRunner
from emocam.style.transfer import StyleSettings, format_eta
from emocam.style.vgg_weights import WeightsSource
from emocam.types import Face, FrameResult
from ..widgets.notice_bar import NoticeBar
from ..qt_convert import rgb_to_qimage
from ..avatars.engine_choice import EngineChoice
from ..avatars.live_avatar import LiveAvatarView
from ..avatars.style_options import SIZES, StyleOptions, fast_strength
from ..avatars.style_picker import AvatarGallery, StylePicker
from ..avatars.style_settings import PanelSettings
from ..avatars.style_worker import StyleJobWorker

log = logging.getLogger(__name__)


class StylePanel(QWidget):
    """Paints snapshots into avatars. Connect ``MainWindow.snapshot_saved`` to :meth:`stylize_snapshot`
    and hand each shown frame to :meth:`show_live_frame`; ``avatar_saved(Path)`` fires for each
    finished avatar (a PNG beside its snapshot).

    ``runner``, ``weights_source``, ``sizes``, ``base_settings`` and ``live_painter`` exist for tests
    (tiny jobs, a local server); ``random_vgg_for_tests`` paints with an untrained VGG19 and is never
    set by the app."""

    avatar_saved = pyqtSignal(object)

    def __init__(self, settings: QSettings | None = None, runner: StyleJobRunner | None = None,
                 weights_source: WeightsSource = WeightsSource(), sizes=tuple(SIZES),
                 base_settings: StyleSettings = StyleSettings(), random_vgg_for_tests: bool = False,
                 live_painter=None, parent=None):
        super().__init__(parent)
        self.prefs = PanelSettings(settings)
        self._owns_runner = runner is None
        self.runner = runner or StyleJobRunner(threads=max(1, (os.cpu_count() or 2) - 1), preload_fast=True)
        self.base_settings = base_settings
        self._random_vgg = random_vgg_for_tests
        self.last_snapshot: Path | None = None
        self.jobs: dict[int, StyleJob] = {}
        self._current: int | None = None
        self._first_step_at: float | None = None
        self.notice = NoticeBar(self, stacked=True)  # a narrow dock: buttons under the text, never clipped
        self.engine = EngineChoice(self.prefs, self.notice, weights_source, parent=self)
        self.live = LiveAvatarView(parent=self) if live_painter is None else LiveAvatarView(
            painter_factory=live_painter, parent=self)
        self.live.live_failed.connect(self.notice.show_notice)
        self._build(sizes)
        self.gate = self.engine.gate
        self.gate.weights_ready.connect(self._on_weights_ready)
        self.gate.status_changed.connect(self.status.setText)
        self.gate.progressed.connect(self._on_download_progressed)
        self.worker = StyleJobWorker(self.runner, parent=self)
        for signal, slot in ((self.worker.job_started, self._on_job_started),
                             (self.worker.job_progressed, self._on_job_progressed),
                             (self.worker.job_finished, self._on_job_finished),
                             (self.worker.job_failed, self._on_job_failed),
                             (self.worker.job_cancelled, self._on_job_cancelled)):
            signal.connect(slot)
        self.worker.start()
        self._warm_timer = QTimer(self, singleShot=True, interval=0)  # once the event loop runs
        self._warm_timer.timeout.connect(self.runner.warm_up)
        if self._owns_runner and self.engine.engine == "fast":  # the first Space then paints at once
            self._warm_timer.start()
        if QApplication.instance() is not None:
            QApplication.instance().aboutToQuit.connect(self.shutdown)

    # ----- construction
    def _build(self, sizes) -> None:
        self.picker = StylePicker(self)
        for path in list(builtin_styles().values()) + self.prefs.extra_styles:
            self.picker.add_style(path)
        if not self.picker.select_name(self.prefs.style) and self.picker.count():
            self.picker.setCurrentRow(0)
        self.picker.style_chosen.connect(lambda path: setattr(self.prefs, "style", Path(path).stem))
        self.add_style_button = self._button("Add style...", self._on_add_style_clicked)
        self.paint_button = self._button("Paint snapshot", lambda: self.paint())  # short: fits a narrow dock
        self.paint_button.setToolTip("Paint the last snapshot in the chosen style")
        self.paint_button.setEnabled(False)
        self.cancel_button = self._button("Cancel", self._on_cancel_clicked)
        self.cancel_button.setEnabled(False)
        self.credits_button = self._button("Credits", self.show_credits)
        self.options = StyleOptions(self.prefs, self.engine, sizes, parent=self)
        self.strength, self.strength_label = self.options.strength, self.options.strength_label
        self.size_box, self.checks = self.options.size_box, self.options.checks
        self.status = QLabel("Take a snapshot to paint an avatar.", self)
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing())
        self.progress = QProgressBar(self, minimum=0, maximum=1000)  # shown only while something runs
        self.progress.hide()
        self.preview = QLabel(self, alignment=Qt.AlignCenter, minimumSize=QSize(200, 200))
        self.preview.setStyleSheet("background: #202225; border-radius: 6px;")
        self.gallery = AvatarGallery(self)
        self._lay_out()

    def _lay_out(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.add_style_button, self.paint_button):  # two a row: the dock is narrow
            buttons.addWidget(button)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        running.addWidget(self.credits_button)
        layout = QVBoxLayout(self)
        for item in (self.picker, buttons, self.options, self.live, self.notice, self.status, running, self.preview,
                     self.gallery):
            layout.addLayout(item) if not isinstance(item, QWidget) else layout.addWidget(item)

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setFocusPolicy(Qt.NoFocus)  # Space belongs to the snapshot shortcut
        button.clicked.connect(slot)
        return button

    # ----- snapshots and jobs
    def stylize_snapshot(self, snapshot: Path, emotion: str | None = None) -> None:
        """A snapshot was saved: paint it when "Paint every snapshot" is on. ``emotion`` (a name like
        ``Happy``) picks the style when "Style follows the emotion" is on. Never opens a dialog."""
        self.last_snapshot = Path(snapshot)
        self.paint_button.setEnabled(True)
        if self.checks["auto"].isChecked():
            self.paint(self.last_snapshot, emotion)
        else:
            self.status.setText(f"Snapshot {self.last_snapshot.name} ready: press Paint.")

    def paint(self, snapshot: Path | None = None, emotion: str | None = None) -> int | None:
        """Queue ``snapshot`` (default: the last one) in the chosen style and engine; returns the job id,
        or None when it could not be queued (the panel says why). The detailed engine without its
        weights never asks here: the fast engine paints the snapshot and a notice says why."""
        snapshot = Path(snapshot or self.last_snapshot)
        style = self._style_for(emotion)
        if style is None:
            self.notice.show_notice("No style to paint with: add a style image first.")
            return None
        settings, weights = self.job_settings(), None
        if settings.engine == "gatys" and not self._random_vgg:
            weights = self.engine.weights()
            if weights is None:  # never a dialog from a snapshot: the fast engine paints this one
                settings = replace(settings, engine="fast", strength=fast_strength(self.strength.value()))
                self.notice.show_notice("Painted with the fast engine: the detailed engine needs the VGG19 "
                                        "weights (Engine: \"Get VGG19 weights...\").")
        job = StyleJob(self.runner.next_id(), snapshot, style, result_path(snapshot, style), settings,
                       weights=weights, random_vgg_for_tests=self._random_vgg)
        try:
            self.runner.submit(job)
        except JobQueueFull as e:
            self.notice.show_notice(f"Not painted: {e}. Your snapshot {snapshot.name} is saved.")
            return None
        self.jobs[job.job_id] = job
        self.cancel_button.setEnabled(True)
        self._show_queue()
        return job.job_id

    def job_settings(self) -> StyleSettings:
        """The chosen options on top of ``base_settings``."""
        return self.options.settings(self.base_settings)

    def show_live_frame(self, result: FrameResult, face: Face | None = None) -> None:
        """A frame was shown: with Live avatar on, paint ``face`` (the followed one; None: the largest).
        Cheap; call it for every shown frame, the painter takes the newest only."""
        if not self.live.running or not self.isVisible():  # a hidden panel paints nothing
            return
        face = face if face is not None else result.largest
        style = self._style_for(face.emotion.name if face is not None else None)
        strength = fast_strength(self.strength.value())
        self.live.show_frame(result, face, style, strength, self.checks["preserve_colour"].isChecked())

    def show_credits(self) -> None:
        """Where the avatar networks come from, and their licences."""
        QMessageBox.information(self, "Avatar networks: credits", credits_text())

    def _style_for(self, emotion: str | None) -> Path | None:
        if emotion and self.checks["match_emotion"].isChecked():
            named = builtin_styles().get(STYLE_FOR_EMOTION.get(emotion, ""))
            if named is not None:
                return named
        return self.picker.selected

    def _show_queue(self) -> None:
        if self._current is None:
            self.status.setText(f"Starting the painter... ({len(self.jobs)} waiting)")

    # ----- job events (GUI thread)
    def _on_job_started(self, event) -> None:
        job = self.jobs.get(event.job_id)
        if job is None:
            return
        self._current, self._first_step_at = event.job_id, None
        self.progress.setRange(0, 0)  # busy until the first step: TensorFlow and VGG19 load first
        self.progress.show()
        self.status.setText(f"Preparing to paint {job.content.name} in {job.style.stem}...")
        self._show_image(QPixmap(str(job.content)))

    def _on_job_progressed(self, event) -> None:
        if event.job_id != self._current:
            return
        now = time.monotonic()
        self._first_step_at = self._first_step_at or now
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(1000 * event.fraction))
        waiting = len(self.jobs) - 1
        job = self.jobs[event.job_id]
        detail = (f"step {event.step}/{event.total} {format_eta(now - self._first_step_at, event.fraction)}"
                  if job.settings.engine == "gatys" else "")
        self.status.setText(f"Painting in {job.style.stem}: {detail}".rstrip(": ")
                            + (f" ({waiting} more waiting)" if waiting > 0 else ""))
        if event.preview is not None:
            self._show_image(QPixmap.fromImage(rgb_to_qimage(event.preview)))

    def _on_job_finished(self, event) -> None:
        job = self._finish(event.job_id)
        if job is not None:
            self.gallery.add_result(job.content, event.output)
            self._show_image(QPixmap(str(event.output)))
            took = f"{event.seconds:.0f} s" if event.seconds >= 10 else f"{event.seconds:.1f} s"
            self.status.setText(f"Avatar saved in {job.style.stem} ({took}); "
                                "double-click it below to open it.")
            self.status.setToolTip(str(event.output))
            self.avatar_saved.emit(event.output)

    def _on_job_failed(self, event) -> None:
        log.info("avatar job %d failed: %s", event.job_id, event.message)
        job = self._finish(event.job_id)
        name = job.content.name if job else "the snapshot"
        self.notice.show_notice(f"{event.message} (The snapshot {name} itself is saved.)")
        self.status.setText("Avatar not made.")

    def _on_job_cancelled(self, event) -> None:
        if self._finish(event.job_id) is not None:
            self.status.setText("Cancelled.")

    def _finish(self, job_id: int) -> StyleJob | None:
        job = self.jobs.pop(job_id, None)
        if job_id == self._current:
            self._current = None
        if not self.jobs:
            self.progress.setRange(0, 1000)
            self.progress.setValue(0)
            self.progress.setVisible(self.gate.busy)
            self.cancel_button.setEnabled(self.gate.busy)
        return job

    def _show_image(self, pixmap: QPixmap) -> None:
        if not pixmap.isNull():
            self.preview.setPixmap(pixmap.scaled(self.preview.size(), Qt.KeepAspectRatio, Qt.SmoothTransformation))

    def _on_cancel_clicked(self) -> None:
        if self.gate.busy:
            self.gate.cancel()
        elif self.jobs:
            self.worker.cancel(self._current if self._current is not None else min(self.jobs))
            self.status.setText("Cancelling...")

    # ----- styles
    def _on_add_style_clicked(self) -> None:
        patterns = " ".join(f"*{s}" for s in IMAGE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, "Add a style image", str(Path.home()), f"Images ({patterns})")
        if path:
            self.add_style(Path(path))

    def add_style(self, path: Path) -> bool:
        """Add any image as a style (remembered) and select it; False with a notice if it is unreadable."""
        if not self.picker.add_style(path, select=True):
            self.notice.show_notice(f"{path}: not a readable image; pick a PNG or JPEG picture as a style.")
            return False
        self.prefs.add_extra_style(Path(path))
        return True

    # ----- weights
    def _on_weights_ready(self, path: Path) -> None:
        self.notice.hide()
        self.status.setText(f"VGG19 weights ready: the detailed engine paints the next snapshot ({Path(path).name}).")

    def _on_download_progressed(self, fraction: float, text: str) -> None:
        self.progress.setVisible(bool(text) or bool(self.jobs))  # '' means the download is over
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(1000 * fraction))
        self.cancel_button.setEnabled(self.gate.busy or bool(self.jobs))
        if text:
            self.status.setText(text)

    # ----- shutdown
    def shutdown(self) -> None:
        """Stop the workers and end the painter process if the panel started it (its jobs are
        dropped: a half-painted avatar is worth nothing). Takes well under a second; safe to call twice."""
        self._warm_timer.stop()
        self.gate.shutdown()
        self.live.stop()
        self.worker.stop(500)
        if self._owns_runner:
            self.runner.close(timeout=0.3)

    def running_threads(self) -> int:
        return (sum(1 for w in (self.worker, self.gate.worker) if w is not None and w.isRunning())
                + self.live.running_threads())
