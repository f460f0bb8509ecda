"""The avatar panel: pick a style, and each snapshot is painted into an avatar in a separate process
while the video keeps running. Progress with ETA, cancel, live preview, and a before/after gallery.
The VGG19 weights are never fetched without asking (:mod:`ui.avatars.weights_gate`).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import replace
from pathlib import Path

from PyQt5.QtCore import QSettings, QSize, Qt, pyqtSignal
from PyQt5.QtGui import QPixmap
from PyQt5.QtWidgets import (QApplication, QCheckBox, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel,
                             QProgressBar, QPushButton, QSlider, QVBoxLayout, QWidget)

from emocam.live.sources import IMAGE_SUFFIXES
from emocam.style.images import STYLE_FOR_EMOTION, builtin_styles, result_path
from emocam.style.jobs import JobQueueFull, StyleJob, StyleJobRunner
from emocam.style.transfer import StyleSettings, format_eta
from emocam.style.vgg_weights import WeightsSource
from ui.widgets.notice_bar import NoticeBar
from ui.qt_convert import rgb_to_qimage
from ui.avatars.style_picker import AvatarGallery, StylePicker
from ui.avatars.style_settings import PanelSettings
from ui.avatars.style_worker import StyleJobWorker
from ui.avatars.weights_gate import WeightsGate

log = logging.getLogger(__name__)
SIZES = {256: "Quick (256 px)", 384: "Normal (384 px)", 512: "Fine (512 px)"}


class StylePanel(QWidget):
    """Paints snapshots into avatars. Connect ``MainWindow.snapshot_saved`` to :meth:`stylize_snapshot`;
    ``avatar_saved(Path)`` fires for each finished avatar (a PNG beside its snapshot).

    ``runner``, ``weights_source``, ``sizes`` and ``base_settings`` exist for tests (tiny jobs, a local
    server); ``random_vgg_for_tests`` paints with an untrained VGG19 and is never set by the app."""

    avatar_saved = pyqtSignal(object)

    def __init__(self, settings: QSettings | None = None, runner: StyleJobRunner | None = None,
                 weights_source: WeightsSource = WeightsSource(), sizes=tuple(SIZES),
                 base_settings: StyleSettings = StyleSettings(), random_vgg_for_tests: bool = False, parent=None):
        super().__init__(parent)
        self.prefs = PanelSettings(settings)
        self._owns_runner = runner is None
        self.runner = runner or StyleJobRunner(threads=max(1, (os.cpu_count() or 2) - 1))
        self.base_settings = base_settings
        self._random_vgg = random_vgg_for_tests
        self.last_snapshot: Path | None = None
        self.jobs: dict[int, StyleJob] = {}
        self._current: int | None = None
        self._first_step_at: float | None = None
        self._waiting: tuple[Path, str | None] | None = None  # the snapshot to paint once weights are here
        self._build(sizes)
        self.gate = WeightsGate(self.prefs, self.notice, weights_source, parent=self)
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
        self.strength = QSlider(Qt.Horizontal, self, minimum=0, maximum=100, value=self.prefs.strength_slider)
        self.strength.setFocusPolicy(Qt.NoFocus)
        self.strength_label = QLabel(self)
        self.strength.valueChanged.connect(self._on_strength_changed)
        self.size_box = QComboBox(self)
        self.size_box.setFocusPolicy(Qt.NoFocus)
        for size in sizes:
            self.size_box.addItem(SIZES.get(size, f"{size} px"), size)
        self.size_box.setCurrentIndex(max(0, self.size_box.findData(self.prefs.size)))
        self.size_box.currentIndexChanged.connect(lambda _: setattr(self.prefs, "size", self.size_box.currentData()))
        self.checks = {key: self._check(text, key) for key, text in (
            ("auto", "Paint every snapshot"), ("face_crop", "Centre on the face"),
            ("preserve_colour", "Keep the photo's colours"), ("match_emotion", "Style follows the emotion"))}
        self.notice = NoticeBar(self, stacked=True)  # a narrow dock: buttons under the text, never clipped
        self.status = QLabel("Take a snapshot to paint an avatar.", self)
        self.status.setWordWrap(True)
        self.status.setMinimumHeight(2 * self.status.fontMetrics().lineSpacing())
        self.progress = QProgressBar(self, minimum=0, maximum=1000)  # shown only while something runs
        self.progress.hide()
        self.preview = QLabel(self, alignment=Qt.AlignCenter, minimumSize=QSize(200, 200))
        self.preview.setStyleSheet("background: #202225; border-radius: 6px;")
        self.gallery = AvatarGallery(self)
        self._lay_out()
        self._on_strength_changed(self.strength.value())

    def _lay_out(self) -> None:
        options = QGridLayout()
        options.setColumnStretch(1, 1)
        options.addWidget(QLabel("Strength", self), 0, 0)
        options.addWidget(self.strength, 0, 1)
        options.addWidget(self.strength_label, 0, 2)
        options.addWidget(QLabel("Size", self), 1, 0)
        options.addWidget(self.size_box, 1, 1, 1, 2)
        for i, box in enumerate(self.checks.values()):
            options.addWidget(box, 2 + i, 0, 1, 3)
        buttons = QHBoxLayout()
        for button in (self.add_style_button, self.paint_button):
            buttons.addWidget(button)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        for item in (self.picker, buttons, options, self.notice, self.status, running, self.preview, self.gallery):
            layout.addLayout(item) if not isinstance(item, QWidget) else layout.addWidget(item)

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setFocusPolicy(Qt.NoFocus)  # Space belongs to the snapshot shortcut
        button.clicked.connect(slot)
        return button

    def _check(self, text: str, key: str) -> QCheckBox:
        box = QCheckBox(text, self)
        box.setFocusPolicy(Qt.NoFocus)
        box.setChecked(getattr(self.prefs, key))
        box.toggled.connect(lambda on: setattr(self.prefs, key, on))
        return box

    # ----- snapshots and jobs
    def stylize_snapshot(self, snapshot: Path, emotion: str | None = None, ask: bool = True) -> None:
        """A snapshot was saved: paint it when "Paint every snapshot" is on. ``emotion`` (a name like
        ``Happy``) picks the style when "Style follows the emotion" is on. ``ask=False`` (the window's
        snapshots): missing weights are said in the panel, never in a dialog over the video."""
        self.last_snapshot = Path(snapshot)
        self.paint_button.setEnabled(True)
        if self.checks["auto"].isChecked():
            self.paint(self.last_snapshot, emotion, ask)
        else:
            self.status.setText(f"Snapshot {self.last_snapshot.name} ready: press Paint.")

    def paint(self, snapshot: Path | None = None, emotion: str | None = None, ask: bool = True) -> int | None:
        """Queue ``snapshot`` (default: the last one) in the chosen style; returns the job id, or None
        when it waits for the weights or could not be queued (the panel says why)."""
        snapshot = Path(snapshot or self.last_snapshot)
        style = self._style_for(emotion)
        if style is None:
            self.notice.show_notice("No style to paint with: add a style image first.")
            return None
        weights = self.gate.available()
        if weights is None and not self._random_vgg:
            self._waiting = (snapshot, emotion)  # painted when the weights arrive; the newest wins
            self.gate.request(modal=ask)
            return None
        job = StyleJob(self.runner.next_id(), snapshot, style, result_path(snapshot, style), self.job_settings(),
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
        return replace(self.base_settings, size=self.size_box.currentData(), strength=self.strength_value,
                       face_crop=self.checks["face_crop"].isChecked(),
                       preserve_colour=self.checks["preserve_colour"].isChecked())

    @property
    def strength_value(self) -> float:
        """Slider 0..100 -> 0.25x..4x the style weight (50 = 1x): even steps feel even."""
        return round(4 ** ((self.strength.value() - 50) / 50), 2)

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
        self.status.setText(f"Painting in {self.jobs[event.job_id].style.stem}: step {event.step}/{event.total} "
                            f"{format_eta(now - self._first_step_at, event.fraction)}"
                            + (f" ({waiting} more waiting)" if waiting > 0 else ""))
        if event.preview is not None:
            self._show_image(QPixmap.fromImage(rgb_to_qimage(event.preview)))

    def _on_job_finished(self, event) -> None:
        job = self._finish(event.job_id)
        if job is not None:
            self.gallery.add_result(job.content, event.output)
            self._show_image(QPixmap(str(event.output)))
            self.status.setText(f"Avatar saved in {job.style.stem} ({event.seconds:.0f} s); "
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

    # ----- options
    def _on_strength_changed(self, value: int) -> None:
        self.prefs.strength_slider = value
        self.strength_label.setText(f"×{self.strength_value:g}")

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
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.paint(*waiting)

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
        self.gate.shutdown()
        self.worker.stop(500)
        if self._owns_runner:
            self.runner.close(timeout=0.3)

    def running_threads(self) -> int:
        return sum(1 for w in (self.worker, self.gate.worker) if w is not None and w.isRunning())
