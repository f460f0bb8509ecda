"""Where frames come from: opens sources in a capture worker, follows its state, falls back to the
demo when no camera exists, probes cameras in the background, and owns the Camera menu."""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtCore import QObject, pyqtSignal
from PyQt5.QtWidgets import QActionGroup, QFileDialog, QMenu, QWidget

from emocam.live.session import LiveSession
from emocam.live.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES, CameraSource, FrameSource, SourceError, open_source
from ..controllers.menus import CAMERA, FILE, MenuItem, make_action
from ..preferences import Preferences
from ..widgets.notice_bar import NoticeBar
from ..widgets.video_view import VideoView
from ..workers import CameraProbe, CaptureWorker

log = logging.getLogger(__name__)

RESOLUTIONS = ((640, 480), (1280, 720), (1920, 1080))


class SourceController(QObject):
    """Opens and switches sources for ``session``. ``source_started(FrameSource)`` fires when a new
    source starts opening; ``source_failed(str)`` when one could not be opened or broke;
    ``status_changed(str)`` carries the status-bar text."""

    source_started = pyqtSignal(object)
    source_failed = pyqtSignal(str)  # nothing is playing now: the window clears what it shows
    status_changed = pyqtSignal(str)

    def __init__(self, window: QWidget, session: LiveSession, prefs: Preferences, view: VideoView,
                 notice: NoticeBar, explicit_source: bool):
        super().__init__(window)
        self.window, self.session, self.prefs, self.view, self.notice = window, session, prefs, view, notice
        self.capture: CaptureWorker | None = None
        self.retired: list = []  # stopped capture workers that have not finished yet
        self.probes: list[CameraProbe] = []
        self.cameras: tuple[int, ...] | None = None
        self.streaming = False  # the current source has delivered frames
        self._explicit_source = explicit_source
        self.open_video = make_action(window, "Open &video or image...", ("Ctrl+Shift+O",))
        self.demo = make_action(window, "&Demo", ("Ctrl+D",), tip="The built-in demo source")
        self.find_cameras_action = make_action(window, "&Find cameras", ("Ctrl+R",))
        self.camera_group, self.resolution_group = QActionGroup(window), QActionGroup(window)
        self.camera_menu = QMenu(CAMERA, window)  # the whole Camera menu: rebuilt when cameras are probed
        self._add_resolutions(prefs.resolution)
        self.open_video.triggered.connect(self._on_open_video)
        self.demo.triggered.connect(lambda: self.open_source("demo"))
        self.find_cameras_action.triggered.connect(self.find_cameras)
        self.camera_group.triggered.connect(lambda act: self.open_source(str(act.data())))
        self.resolution_group.triggered.connect(self._on_resolution_chosen)
        self._fill_camera_menu()

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem(FILE, self.open_video), MenuItem(CAMERA, self.camera_menu)]

    def choices(self) -> list:
        """What a user can do when a source fails."""
        return [self.find_cameras_action, self.open_video, self.demo]

    def open_source(self, spec: str | FrameSource) -> None:
        """Switch to a camera index, ``demo``, a video/image path, or a FrameSource object
        (opened in the capture worker)."""
        try:
            size = self.prefs.resolution
            source = spec if not isinstance(spec, str) else open_source(spec, *(size or (None, None)))
        except (SourceError, OSError) as e:
            self.status_changed.emit("Source: none (could not open)")
            self._on_source_failed(str(e))
            return
        self.stop()
        writer = self.session.new_source()  # tracks reset between frames; the old source's frames refused
        self.capture = CaptureWorker(source, writer, parent=self.window)
        self.capture.state_changed.connect(self._on_capture_state)
        self.streaming = False
        self._fill_camera_menu()
        self.view.set_message(f"Opening {source.name}...")
        self.status_changed.emit(f"Source: {source.name}")
        self.source_started.emit(source)
        self.capture.start()

    @property
    def source(self) -> FrameSource | None:
        return self.capture.source if self.capture is not None else None

    def stop(self) -> None:
        """Retire the capture worker without waiting: a camera stuck in a read must not freeze
        the window. It is kept referenced until it has really finished."""
        worker, self.capture = self.capture, None
        if worker is not None and worker.isRunning():
            worker.request_stop()
            self.retired.append(worker)
            worker.finished.connect(lambda w=worker: self.retired.remove(w) if w in self.retired else None)

    def workers(self) -> list:
        """Every thread this controller started that may still run."""
        return [*self.retired, *self.probes] + ([self.capture] if self.capture else [])

    def _on_capture_state(self, state) -> None:
        if self.sender() is not self.capture:
            return  # a worker being replaced: its news is stale
        suffix = "" if state.kind == "streaming" else f" — {state.kind}"
        self.status_changed.emit(f"Source: {self.capture.source.name}{suffix}")
        if state.kind == "streaming":
            self._on_source_opened()
        elif state.kind == "failed":
            self._on_source_failed(state.message)
        elif state.kind == "ended":
            self.notice.show_notice(state.message, self.choices())
        elif state.kind in ("reconnecting", "stalled"):
            self.view.set_message(state.message)

    def _on_source_opened(self) -> None:
        self.streaming = True
        self._fill_camera_menu()  # only now is the camera ticked
        self.view.set_message(None)
        if isinstance(self.source, CameraSource):
            self.prefs.camera = self.source.index
            self.notice.hide()

    def _on_source_failed(self, message: str) -> None:
        log.info("source failed: %s", message)
        self.streaming = False
        self.stop()
        self._fill_camera_menu()
        self.source_failed.emit(message)
        if not self._explicit_source and "camera" in message.lower():
            self._explicit_source = True  # fall back once, then respect the user's choices
            self.notice.show_notice(f"No camera could be opened ({message}). Showing the built-in demo; "
                                    "pick a camera, open a video, or keep watching the demo.", self.choices())
            self.open_source("demo")
            return
        self.view.set_message(f"{message}\n\nNothing is playing: pick a camera, open a video, or watch the demo.")
        self.notice.show_notice(message, self.choices())

    def find_cameras(self) -> None:
        """Probe cameras in a worker; the Camera menu fills in when it answers."""
        self.cameras = None
        self._fill_camera_menu()
        source = self.source  # a camera in use cannot be probed again: counted only if it really streams
        busy = (source.index,) if isinstance(source, CameraSource) and self.streaming else ()
        probe = CameraProbe(busy, self.window)
        probe.cameras_found.connect(self._on_cameras_found)
        probe.finished.connect(lambda: self.probes.remove(probe) if probe in self.probes else None)
        self.probes.append(probe)
        probe.start()

    def _on_cameras_found(self, cameras: tuple) -> None:
        self.cameras = tuple(cameras)
        self._fill_camera_menu()

    def _fill_camera_menu(self) -> None:
        streaming = self.streaming and self.source is not None
        menu, current = self.camera_menu, self.source.name if streaming else ""
        menu.clear()
        for act in self.camera_group.actions():
            self.camera_group.removeAction(act)
        if self.cameras is None:
            menu.addAction("Searching for cameras...").setEnabled(False)
        elif not self.cameras:
            menu.addAction("No camera found").setEnabled(False)
        for index in self.cameras or ():
            act = menu.addAction(f"Camera {index}")
            act.setCheckable(True)
            act.setData(index)
            act.setChecked(current == f"Camera {index}")
            self.camera_group.addAction(act)
        menu.addSeparator()
        menu.addAction(self.demo)
        menu.addAction(self.open_video)
        menu.addMenu(self._resolution_menu)
        menu.addSeparator()
        menu.addAction(self.find_cameras_action)

    def _add_resolutions(self, chosen: tuple[int, int] | None) -> None:
        """Automatic (the camera's own) and the usual sizes; the remembered choice is ticked."""
        self._resolution_menu = QMenu("&Resolution", self.window)
        for size in (None, *RESOLUTIONS):
            act = self._resolution_menu.addAction("Automatic" if size is None else f"{size[0]} x {size[1]}")
            act.setCheckable(True)
            act.setData(size)
            act.setChecked(chosen == size)
            self.resolution_group.addAction(act)
        self._show_resolution()

    def _show_resolution(self) -> None:
        size = self.prefs.resolution
        self._resolution_menu.setTitle(f"&Resolution ({'Automatic' if size is None else f'{size[0]} x {size[1]}'})")

    def _on_resolution_chosen(self, action) -> None:
        self.prefs.resolution = tuple(action.data()) if action.data() else None
        self._show_resolution()
        if isinstance(self.source, CameraSource):
            self.open_source(str(self.source.index))

    def _on_open_video(self) -> None:
        patterns = " ".join(f"*{s}" for s in VIDEO_SUFFIXES + IMAGE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self.window, "Open video or image", str(Path.home()),
                                              f"Media ({patterns})")
        if path:
            self.open_source(path)
