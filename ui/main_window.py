"""The main window: video with overlays, probability bars, emoji panel, status bar, menus.

Workers do all slow work (camera, model loading, saving); slots here only touch widgets.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PyQt5.QtCore import QSettings, QStandardPaths, Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QApplication, QDockWidget, QLabel, QMainWindow, QMenu, QPushButton, QSplitter, QVBoxLayout, QWidget

from emocam.live.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES, FrameSource, LatestFrame
from emocam.live.detection import DEFAULT_CASCADE, FaceDetector
from emocam.live.smoothing import FaceTracker, SmoothingSettings
from emocam.types import FrameResult
from .controllers import menus
from .widgets.emoji_panel import EmojiPanel
from .widgets.help_overlay import ShortcutsOverlay
from .controllers.model import ModelControl
from .controllers.model_watch import WeightsWatcher, is_model_file
from .widgets.notice_bar import NoticeBar
from .preferences import SMOOTHING_LEVELS, Preferences
from .widgets.probability_bars import ProbabilityBars
from .controllers.recording import RecordingControls, RecordingIndicator
from .controllers.source import SourceControl
from .avatars.style_panel import StylePanel
from .widgets.timeline_view import TimelineView
from .widgets.video_view import VideoView
from .workers import CaptureWorker, ModelLoader, ProcessWorker, SnapshotJob, io_pool
from emocam import resources

log = logging.getLogger(__name__)
WEIGHTS_DIR = resources.weights_dir()


@dataclass
class AppConfig:
    """What ``main.py`` hands the window: command-line choices override saved preferences."""

    source: str | FrameSource | None = None  # a FrameSource object is used as is (tests, embedding)
    weights: Path | None = None
    output_dir: Path | None = None
    cascade: str = DEFAULT_CASCADE
    weights_dir: Path = WEIGHTS_DIR
    settings: QSettings | None = None
    probe_cameras: bool = True


class MainWindow(SourceControl, ModelControl, QMainWindow):
    """emocam's window. ``snapshot_saved(Path)`` fires after each snapshot is on disk."""

    snapshot_saved = pyqtSignal(object)

    def __init__(self, config: AppConfig):
        super().__init__()
        self.config, self.prefs = config, Preferences(config.settings)
        self.slot = LatestFrame()
        self.detector = FaceDetector(config.cascade)
        self.tracker = FaceTracker(self._smoothing_settings(self.prefs.smoothing))
        self.capture: CaptureWorker | None = None
        self.loaders: list[ModelLoader] = []
        self._retired: list = []  # stopped capture workers that have not finished yet
        self.model_path: Path | None = None
        self.last_result: FrameResult | None = None
        self.selected_track: int | None = None
        self.cameras: tuple[int, ...] | None = None
        self._explicit_source = config.source is not None
        self._processed = deque(maxlen=90)
        self.latencies = deque(maxlen=150)
        self._last_latency_frame: float | None = None
        self._build_widgets()
        self.actions = menus.build_menus(self)
        self._add_session_menu()
        menus.add_resolutions(self.actions, self, self.prefs.resolution)
        self._connect_actions()
        self.snapshot_saved.connect(self._on_snapshot_for_avatar)
        self.processor = ProcessWorker(self.slot, parent=self)
        self.processor.frame_processed.connect(self._on_frame_processed)
        self.processor.processing_failed.connect(lambda msg: self.statusBar().showMessage(msg, 5000))
        self.processor.start()
        self.watcher = WeightsWatcher(config.weights_dir, parent=self)
        self.watcher.model_file_changed.connect(self.load_model)
        self._status_timer = QTimer(self, interval=500, timeout=self._update_status)
        self._status_timer.start()
        self.setAcceptDrops(True)
        self.setWindowTitle("emocam")
        self._fit_to_screen()
        QTimer.singleShot(0, self._start)

    # ----- construction
    def _fit_to_screen(self) -> None:
        """Start at a comfortable size: up to 1560x920, within 92% of the screen's free area."""
        screen = QApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        width = min(1560, int(area.width() * 0.92)) if area else 1180
        height = min(920, int(area.height() * 0.92)) if area else 700
        self.resize(max(900, width), max(600, height))

    def _build_widgets(self) -> None:
        self.video_view = VideoView(self)
        self.video_view.face_clicked.connect(self._on_face_clicked)
        self.notice = NoticeBar(self)
        self.emoji_panel = EmojiPanel(parent=self)
        self.probability_bars = ProbabilityBars(self)
        self.timeline_view = TimelineView(self)
        self.timeline_view.setMinimumHeight(130)
        self.recording_controls = RecordingControls(self, export_dir=self.output_dir())
        self.snapshot_button = QPushButton("Snapshot  (Space)", self)
        self.snapshot_button.setFocusPolicy(Qt.NoFocus)
        self.snapshot_button.setMinimumHeight(40)
        side = QWidget(self)
        side.setMinimumWidth(300)
        side_layout = QVBoxLayout(side)
        for widget, stretch in ((self.emoji_panel, 3), (self.probability_bars, 2), (self.recording_controls, 0),
                                (self.snapshot_button, 0)):
            side_layout.addWidget(widget, stretch)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.notice)
        left_layout.addWidget(self.video_view, 4)
        left_layout.addWidget(self.timeline_view, 1)
        splitter = QSplitter(Qt.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        self.setCentralWidget(splitter)
        self.statusBar().addPermanentWidget(RecordingIndicator(self.recording_controls))
        self.status_labels = {k: QLabel(self) for k in ("source", "model", "fps", "latency", "faces")}
        for label in self.status_labels.values():
            self.statusBar().addPermanentWidget(label)
        self.overlay = ShortcutsOverlay(splitter, [])
        self._build_style_dock()

    def _build_style_dock(self) -> None:
        """The Avatars panel: snapshots are painted in a separate process (issue: style transfer)."""
        self.style_panel = StylePanel(self.config.settings)
        self.style_panel.setMaximumWidth(460)  # long notices wrap instead of squeezing the video
        self.style_dock = QDockWidget("Avatars", self)
        self.style_dock.setObjectName("AvatarsDock")
        self.style_dock.setWidget(self.style_panel)
        self.addDockWidget(Qt.RightDockWidgetArea, self.style_dock)
        self.style_panel.avatar_saved.connect(lambda p: self.statusBar().showMessage(f"Avatar saved: {p}", 6000))

    def _connect_actions(self) -> None:
        a = self.actions
        a.snapshot.triggered.connect(self.take_snapshot)
        self.snapshot_button.clicked.connect(self.take_snapshot)
        a.quit.triggered.connect(self._on_quit_requested)
        a.mirror.toggled.connect(self._on_mirror_toggled)
        a.fullscreen.toggled.connect(lambda on: self.showFullScreen() if on else self.showNormal())
        a.shortcuts.triggered.connect(self.overlay.toggle)
        a.open_model.triggered.connect(self._on_open_model)
        a.open_video.triggered.connect(self._on_open_video)
        a.demo.triggered.connect(lambda: self.open_source("demo"))
        a.find_cameras.triggered.connect(self.find_cameras)
        a.camera_group.triggered.connect(lambda act: self.open_source(str(act.data())))
        a.resolution_group.triggered.connect(self._on_resolution_chosen)
        a.mirror_snapshots.setChecked(self.prefs.mirror_snapshots)
        a.mirror_snapshots.toggled.connect(lambda on: setattr(self.prefs, "mirror_snapshots", on))
        for act in a.smoothing_group.actions():
            act.setChecked(act.text() == self.prefs.smoothing)
        a.smoothing_group.triggered.connect(self._on_smoothing_chosen)
        toggle = self.style_dock.toggleViewAction()
        toggle.setText("&Avatars panel")
        toggle.setShortcut("A")
        self.addAction(toggle)
        next(m.menu() for m in self.menuBar().actions() if m.text() == "&View").addAction(toggle)
        self.overlay._actions = a.all() + self.recording_controls.menu_actions() + [toggle]
        menus.fill_camera_menu(a, self.cameras, "")

    def _add_session_menu(self) -> None:
        controls = self.recording_controls
        menu = QMenu("&Session", self)
        for action in controls.menu_actions():  # Record (R), Export CSV (Ctrl+E), Export JSON (Ctrl+Shift+E)
            menu.addAction(action)
            self.addAction(action)  # shortcuts work in fullscreen too
        self.menuBar().insertMenu(self.menuBar().actions()[-1], menu)  # before Help
        controls.export_finished.connect(lambda path: self.statusBar().showMessage(f"Session exported: {path}", 6000))
        controls.export_failed.connect(lambda msg: self.notice.show_notice(msg))

    def _start(self) -> None:
        from emocam.models.lookup import default_weights

        shipped, problem = None, ""
        try:
            shipped = default_weights()
        except (OSError, ValueError) as e:
            problem = str(e)
        saved = self.prefs.model_path
        initial = self.config.weights or (Path(saved) if saved and Path(saved).is_file() else shipped)
        if initial is None:
            self._show_model_problem(problem)
        else:
            self.load_model(Path(initial), trusted=shipped is not None and Path(initial) == shipped)
        camera = self.prefs.camera
        self.open_source(self.config.source or (str(camera) if camera is not None else "0"))
        if self.config.probe_cameras:
            self.find_cameras()

    # ----- frames
    def _on_frame_processed(self, result: FrameResult) -> None:
        view = self.video_view
        painted = view.last_painted_frame_timestamp
        if view.last_paint_timestamp and painted and painted != self._last_latency_frame:  # one sample per paint
            self.latencies.append(view.last_paint_timestamp - painted)
            self._last_latency_frame = painted
        self.last_result = result
        self._processed.append(time.monotonic())
        face = self._show(result)
        self.timeline_view.add(result.frame.timestamp, face.prediction.probabilities if face else None,
                               face.track_id if face else None)
        self.recording_controls.record(result)

    def _show(self, result: FrameResult):
        """Paint ``result`` and show its selected face in the bars and emoji panel."""
        face = self.selected_face(result)
        self.video_view.set_selected_track(face.track_id if face else None)
        self.video_view.show_result(result)
        self.probability_bars.set_probabilities(face.prediction.probabilities if face else None)
        self.emoji_panel.set_emotion(face.label if face else None, bool(face and face.uncertain))
        return face

    def selected_face(self, result: FrameResult):
        """The clicked face while it is visible, else the largest."""
        for face in result.faces:
            if face.track_id == self.selected_track:
                return face
        return result.largest

    def _on_face_clicked(self, track_id: int) -> None:
        self.selected_track = track_id
        if self.last_result is not None:
            self._show(self.last_result)

    def _update_status(self) -> None:
        now = time.monotonic()
        recent = [t for t in self._processed if now - t <= 2.0]
        fps = (len(recent) - 1) / (recent[-1] - recent[0]) if len(recent) > 2 else 0.0
        self.status_labels["fps"].setText(f"{fps:.1f} fps")
        if self.latencies:
            p95 = float(np.percentile(list(self.latencies), 95)) * 1000
            self.status_labels["latency"].setText(f"latency p95 {p95:.0f} ms")
        result = self.last_result
        faces = len(result.faces) if result else 0
        text = f"{faces} face{'s' if faces != 1 else ''}"
        if result is not None and result.faces_skipped:  # say so when the per-frame cap is reached
            text = f"{faces} of {faces + result.faces_skipped} faces (limit)"
        self.status_labels["faces"].setText(text)

    # ----- actions
    def take_snapshot(self) -> None:
        """Flash, then save the current frame as PNG in a worker."""
        if self.last_result is None:
            self.statusBar().showMessage("No frame to save yet", 3000)
            return
        self.video_view.flash()
        mirror = self.actions.mirror.isChecked() and self.prefs.mirror_snapshots
        job = SnapshotJob(self.last_result.frame.image, self.output_dir(), mirror)
        job.signals.snapshot_saved.connect(self._on_snapshot_saved)
        job.signals.snapshot_failed.connect(lambda msg: self.notice.show_notice(msg))
        io_pool().start(job)

    def output_dir(self) -> Path:
        if self.config.output_dir:
            return Path(self.config.output_dir)
        pictures = QStandardPaths.writableLocation(QStandardPaths.PicturesLocation) or str(Path.home())
        return Path(pictures) / "emocam"

    def _on_snapshot_saved(self, path: Path) -> None:
        self.statusBar().showMessage(f"Snapshot saved: {path}", 6000)
        self.snapshot_saved.emit(path)

    def _on_snapshot_for_avatar(self, path: Path) -> None:
        face = self.selected_face(self.last_result) if self.last_result else None
        self.style_panel.stylize_snapshot(path, face.emotion.name if face else None)

    def _on_mirror_toggled(self, on: bool) -> None:
        self.video_view.set_mirror(on)
        if self.capture is not None and self.capture.source.is_camera:
            self.prefs.mirror_camera = on

    def _on_smoothing_chosen(self, action) -> None:
        self.prefs.smoothing = action.text()
        self.tracker.settings = self._smoothing_settings(action.text())

    @staticmethod
    def _smoothing_settings(level: str) -> SmoothingSettings:
        return SmoothingSettings(enabled=level != "Off", alpha=SMOOTHING_LEVELS[level])

    def _on_quit_requested(self) -> None:
        if self.overlay.isVisible():  # Esc first closes the cheat-sheet
            self.overlay.hide()
            return
        self.close()

    # ----- drag and drop
    def dragEnterEvent(self, event) -> None:
        if any(self._droppable(Path(u.toLocalFile())) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            path = Path(url.toLocalFile())
            if is_model_file(path):
                self.load_model(path)
            elif path.suffix.lower() in VIDEO_SUFFIXES + IMAGE_SUFFIXES:
                self.open_source(str(path))

    @staticmethod
    def _droppable(path: Path) -> bool:
        return is_model_file(path) or path.suffix.lower() in VIDEO_SUFFIXES + IMAGE_SUFFIXES

    # ----- shutdown
    def closeEvent(self, event) -> None:
        """Stop every worker, waiting at most about a second in all: a camera stuck in a read or
        a model conversion cannot be interrupted, and main() exits without them."""
        self._status_timer.stop()
        self._stop_capture()
        self.slot.close()
        workers = [self.processor, *self._retired, *self.loaders]
        for worker in workers:
            worker.request_stop()
        deadline = time.monotonic() + 1.0
        for worker in workers:
            worker.wait(max(0, int(1000 * (deadline - time.monotonic()))))
        io_pool().waitForDone(500)  # a snapshot or export being written finishes
        self.style_panel.shutdown()
        self.prefs.sync()
        super().closeEvent(event)

    def running_threads(self) -> int:
        """Workers still running (after close: ones that could not be interrupted)."""
        workers = [self.processor, *self.loaders, *self._retired] + ([self.capture] if self.capture else [])
        return sum(1 for w in workers if w.isRunning()) + self.style_panel.running_threads()
