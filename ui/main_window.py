"""The main window: video with overlays, probability bars, emoji panel, status bar, menus.

The window is handed a :class:`~emocam.live.session.LiveSession` and composes the parts that act on
it: a source controller, a model controller, recording controls and the avatars panel. Each part
declares its own actions and menu entries. Workers do all slow work; slots here only touch widgets.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtCore import Qt, QTimer, pyqtSignal
from PyQt5.QtWidgets import QMainWindow, QPushButton, QSplitter, QVBoxLayout, QWidget

from emocam.live.session import LiveSession
from emocam.live.sources import FrameSource
from emocam.types import FrameResult
from .avatars.style_panel import StylePanel
from .config import AppConfig
from .controllers.help import HelpController
from .controllers.menus import SESSION, VIEW, MenuItem, build_menu_bar, make_action, shortcut_actions, window_actions
from .controllers.model import ModelController
from .controllers.model_watch import WeightsWatcher, droppable, open_dropped
from .controllers.recording import RecordingControls, RecordingIndicator
from .controllers.quit_guard import QuitGuard
from .controllers.snapshots import SnapshotController
from .controllers.source import SourceController
from .controllers.status import StatusReport
from .controllers.window_layout import WindowLayout, add_dock
from .preferences import Preferences, smoothing_settings
from .widgets.emoji_panel import EmojiPanel
from .widgets.face_list import FaceListPanel
from .widgets.help_overlay import ShortcutsOverlay
from .widgets.notice_bar import NoticeBar
from .widgets.probability_bars import ProbabilityBars
from .widgets.timeline_view import TimelineView
from .widgets.video_view import VideoView
from .workers import ProcessWorker, io_pool, stop_all

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """emocam's window over ``session``. ``snapshot_saved(Path)`` fires after each snapshot is on disk."""

    snapshot_saved = pyqtSignal(object)

    def __init__(self, config: AppConfig, session: LiveSession):
        super().__init__()
        self.config, self.session, self.prefs = config, session, Preferences(config.settings)
        self.last_result: FrameResult | None = None
        self.selected_track: int | None = None
        self._build_widgets()
        self.actions = window_actions(self)
        self.sources = SourceController(self, session, self.prefs, self.video_view, self.notice,
                                        explicit_source=config.source is not None)
        self.models = ModelController(self, session, self.prefs, self.notice, config.weights_dir)
        self.help = HelpController(self, self.models)
        self._build_menus()
        self._connect()
        self.processor = ProcessWorker(session, parent=self)
        self.processor.frame_processed.connect(self._on_frame_processed)
        self.processor.processing_failed.connect(lambda msg: self.statusBar().showMessage(msg, 5000))
        self.processor.start()
        self.watcher = WeightsWatcher(config.weights_dir, parent=self)
        self.watcher.model_file_changed.connect(self.models.load_model)
        self.setAcceptDrops(True)
        self.setWindowTitle("emocam")
        self.layout_policy.fit_to_screen()
        self.layout_policy.restore()
        QTimer.singleShot(0, self._start)

    # ----- construction
    def _build_widgets(self) -> None:
        self.video_view = VideoView(self)
        self.notice = NoticeBar(self)
        self.emoji_panel = EmojiPanel(parent=self)
        self.probability_bars = ProbabilityBars(self)
        self.emoji_panel.setMaximumHeight(230)  # the bars and the face list use the rest, not dead space
        self.timeline_view = TimelineView(self)
        self.timeline_view.setMinimumHeight(110)
        self.timeline_view.setMaximumHeight(170)
        self.face_list = FaceListPanel(self)
        self.face_list.setMaximumHeight(110)
        self.recording_controls = RecordingControls(self, export_dir=self.output_dir() / "exports")
        self.snapshot_button = QPushButton("Snapshot  (Space)", self)
        self.snapshot_button.setFocusPolicy(Qt.NoFocus)
        self.snapshot_button.setMinimumHeight(34)
        side = _column(self, (6, 4, 6, 4), ((self.emoji_panel, 2), (self.probability_bars, 3), (self.face_list, 1),
                                            (self.recording_controls, 0), (self.snapshot_button, 0)))
        side.setMinimumWidth(200)
        left = _column(self, (0, 0, 0, 0), ((self.notice, 0), (self.video_view, 4), (self.timeline_view, 1)))
        splitter = QSplitter(Qt.Horizontal, self)
        splitter.setObjectName("MainSplitter")
        splitter.addWidget(left)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setCollapsible(0, False)
        self.splitter = splitter
        self.setCentralWidget(splitter)
        self.statusBar().addPermanentWidget(RecordingIndicator(self.recording_controls))
        self.status = StatusReport(self.statusBar(), self.video_view)
        self.status_labels, self.latencies = self.status.labels, self.status.latencies
        self.overlay = ShortcutsOverlay(self.video_view, [])  # floats over the video: in no layout
        self.snapshots = SnapshotController(self, self.output_dir, self.config.settings)
        self._build_docks()
        self.layout_policy = WindowLayout(self, splitter, side, [self.style_dock, self.gallery_dock],
                                          [self.notice, side, self.timeline_view], self.config.settings)

    def _build_docks(self) -> None:
        """The Avatars panel (snapshots painted in a separate process) and, in a tab beside it, the
        session's snapshot gallery."""
        self.style_panel = StylePanel(self.config.settings)
        self.style_dock = add_dock(self, "Avatars", "AvatarsDock", self.style_panel)
        self.gallery_dock = add_dock(self, "Snapshots", "SnapshotsDock", self.snapshots.gallery)
        self.tabifyDockWidget(self.style_dock, self.gallery_dock)
        self.style_dock.raise_()
        self.style_panel.avatar_saved.connect(lambda p: self.statusBar().showMessage(f"Avatar saved: {p}", 6000))
        self.style_panel.avatar_saved.connect(self.snapshots.gallery.add_image)

    def _build_menus(self) -> None:
        """Menus and the cheat-sheet from what each part declares."""
        toggle = self.style_dock.toggleViewAction()
        toggle.setText("&Avatars panel")
        toggle.setShortcut("A")
        self.addAction(toggle)
        gallery = make_action(self, "Snapshot &gallery", ("G",), tip="This session's snapshots and avatars")
        gallery.triggered.connect(lambda: (self.gallery_dock.show(), self.gallery_dock.raise_()))
        self.track_numbers = make_action(self, "&Track numbers on faces", ("T",), checkable=True)
        self.track_numbers.setChecked(True)
        recording = self.recording_controls.menu_actions()  # Record (R), Export CSV, Export JSON
        for action in recording:
            self.addAction(action)  # shortcuts work in fullscreen too
        items = [*self.models.menu_items(), *self.sources.menu_items(), *self.snapshots.menu_items(),
                 *self.actions.menu_items(), MenuItem(VIEW, toggle), MenuItem(VIEW, gallery),
                 MenuItem(VIEW, self.track_numbers), MenuItem(VIEW, self.status.latency_action),
                 *(MenuItem(SESSION, a) for a in recording), *self.help.menu_items()]
        self.menus = build_menu_bar(self.menuBar(), items)
        self.overlay.set_actions(shortcut_actions(items))

    def _connect(self) -> None:
        a = self.actions
        a.snapshot.triggered.connect(self.take_snapshot)
        self.snapshot_button.clicked.connect(self.take_snapshot)
        a.quit.triggered.connect(self.close)  # closeEvent asks first when a recording is not exported
        a.step_back.triggered.connect(self._on_step_back)
        a.mirror.toggled.connect(self._on_mirror_toggled)
        a.fullscreen.toggled.connect(self.layout_policy.fullscreen)
        a.shortcuts.triggered.connect(self.overlay.toggle)
        self.track_numbers.toggled.connect(self.video_view.set_track_numbers)
        self.video_view.set_track_numbers(self.track_numbers.isChecked())
        self.face_list.face_chosen.connect(self._on_face_clicked)
        self.snapshots.snapshot_saved.connect(self.snapshot_saved.emit)
        self.snapshots.snapshot_failed.connect(lambda msg: self.notice.show_notice(msg))
        self.sources.source_failed.connect(self._on_source_failed)
        self.quit_guard = QuitGuard(self, self.recording_controls)
        a.mirror_snapshots.setChecked(self.prefs.mirror_snapshots)
        a.mirror_snapshots.toggled.connect(lambda on: setattr(self.prefs, "mirror_snapshots", on))
        for act in a.smoothing_group.actions():
            act.setChecked(act.text() == self.prefs.smoothing)
        a.smoothing_group.triggered.connect(self._on_smoothing_chosen)
        self.video_view.face_clicked.connect(self._on_face_clicked)
        self.sources.source_started.connect(self._on_source_started)
        self.sources.status_changed.connect(self.status_labels["source"].setText)
        self.models.status_changed.connect(self.status_labels["model"].setText)
        self.snapshot_saved.connect(self._on_snapshot_for_avatar)
        self.recording_controls.export_finished.connect(
            lambda path: self.statusBar().showMessage(f"Session exported: {path}", 6000))
        self.recording_controls.export_failed.connect(lambda msg: self.notice.show_notice(msg))

    def _start(self) -> None:
        self.models.start(self.config.weights)  # falls back to the shipped model, and says so
        camera = self.prefs.camera
        self.sources.open_source(self.config.source or (str(camera) if camera is not None else "0"))
        if self.config.probe_cameras:
            self.sources.find_cameras()

    # ----- frames
    def _on_frame_processed(self, _signalled: FrameResult) -> None:
        result = self.processor.take_result()  # the newest: results made meanwhile replaced it
        if result is None or not self.session.is_current(result):
            return  # made for a source or model that has since been replaced
        self.last_result = result
        self.status.frame_shown(result)
        face = self._show(result)
        self.face_list.show_result(result, face.track_id if face else None)
        self.timeline_view.add(result.frame.timestamp, face.prediction.probabilities if face else None,
                               face.track_id if face else None)
        self.recording_controls.record(result)

    def _show(self, result: FrameResult):
        """Paint ``result`` and show its selected face in the bars and emoji panel."""
        face = self.selected_face(result)
        self.video_view.set_selected_track(face.track_id if face else None)
        self.video_view.show_result(result)
        self.probability_bars.set_probabilities(face.prediction.probabilities if face else None)
        self.probability_bars.set_caption(f"Face #{face.track_id}" if face else "")
        self.emoji_panel.set_emotion(face.label if face else None, bool(face and face.uncertain))
        self.style_panel.show_live_frame(result, face)  # the live avatar paints the newest frame only
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

    # ----- actions
    def take_snapshot(self) -> None:
        """Flash, then save the current frame as PNG (and its emotions as JSON) in a worker."""
        self.snapshots.take()

    def _on_source_failed(self, _message: str) -> None:
        """Nothing stays on screen as if live: frame, faces, bars, emoji, list and counts are cleared."""
        self.last_result = None
        self.video_view.clear_result()
        self.probability_bars.set_probabilities(None)
        self.emoji_panel.set_emotion(None)
        self.face_list.show_result(None, None)
        self.status.clear()

    def output_dir(self) -> Path:
        return self.config.snapshots_dir()

    def _on_snapshot_for_avatar(self, path: Path) -> None:
        face = self.selected_face(self.last_result) if self.last_result else None
        self.style_panel.stylize_snapshot(path, face.emotion.name if face else None)
    def _on_source_started(self, source: FrameSource) -> None:
        self.selected_track = None
        mirror = self.prefs.mirror_camera if source.is_camera else False
        self.actions.mirror.setChecked(mirror)
        self.video_view.set_mirror(mirror)

    def _on_mirror_toggled(self, on: bool) -> None:
        self.video_view.set_mirror(on)
        if self.sources.source is not None and self.sources.source.is_camera:
            self.prefs.mirror_camera = on

    def _on_smoothing_chosen(self, action) -> None:
        self.prefs.smoothing = action.text()
        self.session.use_smoothing(smoothing_settings(action.text()))  # applied between frames

    def _on_step_back(self) -> None:
        """Esc: close the cheat-sheet, else leave fullscreen; it never quits."""
        if self.overlay.isVisible():
            self.overlay.hide()
        elif self.isFullScreen():
            self.actions.fullscreen.setChecked(False)
        else:
            self.statusBar().showMessage("To quit, press Q or Ctrl+Q", 3000)

    # ----- drag and drop: videos, images and model files
    def dragEnterEvent(self, event) -> None:
        if any(droppable(Path(u.toLocalFile())) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        open_dropped([Path(u.toLocalFile()) for u in event.mimeData().urls()], self.models, self.sources)

    # ----- shutdown
    def closeEvent(self, event) -> None:
        """Ask first if a recording was not exported; then stop every worker, waiting at most about a
        second in all: a camera stuck in a read or a model conversion cannot be interrupted, and
        main() exits without them."""
        if not self.quit_guard.confirm():
            event.ignore()
            return
        self.actions.fullscreen.setChecked(False)
        self.layout_policy.save()
        self.status.stop()
        self.sources.stop()
        self.session.slot.close()
        stop_all([self.processor, *self.sources.workers(), *self.models.loaders], budget_s=1.0)
        io_pool().waitForDone(500)  # a snapshot or export being written finishes
        self.style_panel.shutdown()
        self.prefs.sync()
        super().closeEvent(event)

    def running_threads(self) -> int:
        """Workers still running (after close: ones that could not be interrupted)."""
        workers = [self.processor, *self.models.loaders, *self.sources.workers()]
        return sum(1 for w in workers if w.isRunning()) + self.style_panel.running_threads()


def _column(parent: QWidget, margins: tuple[int, int, int, int], widgets) -> QWidget:
    """A widget stacking ``(widget, stretch)`` pairs top to bottom."""
    column = QWidget(parent)
    layout = QVBoxLayout(column)
    layout.setContentsMargins(*margins)
    for widget, stretch in widgets:
        layout.addWidget(widget, stretch)
    return column
