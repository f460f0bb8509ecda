"""The window's source handling: open sources in the capture worker, follow its state, fall back
to the demo when no camera exists, probe cameras in the background. Mixed into MainWindow."""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt5.QtWidgets import QFileDialog

from emocam.live.sources import IMAGE_SUFFIXES, VIDEO_SUFFIXES, CameraSource, FrameSource, SourceError, open_source
from . import menus
from ..workers import CameraProbe, CaptureWorker

log = logging.getLogger(__name__)


class SourceControl:
    """Needs from the window: prefs, slot, tracker, capture, _retired, loaders, cameras, actions,
    video_view, notice, status_labels, _explicit_source."""

    def open_source(self, spec: str | FrameSource) -> None:
        """Switch to a camera index, ``demo``, a video/image path, or a FrameSource object
        (opened in the capture worker)."""
        try:
            size = self.prefs.resolution
            source = spec if not isinstance(spec, str) else open_source(spec, *(size or (None, None)))
        except (SourceError, OSError) as e:
            self._on_source_failed(str(e))
            return
        self._stop_capture()
        self.tracker.reset()
        self.selected_track = None
        self.slot.reopen()
        self.capture = CaptureWorker(source, self.slot, parent=self)
        self.capture.state_changed.connect(self._on_capture_state)
        mirror = self.prefs.mirror_camera if source.is_camera else False
        self.actions.mirror.setChecked(mirror)
        self.video_view.set_mirror(mirror)
        self.video_view.set_message(f"Opening {source.name}...")
        self.status_labels["source"].setText(f"Source: {source.name}")
        self.capture.start()

    def _stop_capture(self) -> None:
        """Retire the capture worker without waiting: a camera stuck in a read must not freeze
        the window. It is kept referenced until it has really finished."""
        worker, self.capture = self.capture, None
        if worker is not None and worker.isRunning():
            worker.request_stop()
            self._retired.append(worker)
            worker.finished.connect(lambda w=worker: self._retired.remove(w) if w in self._retired else None)

    def _on_capture_state(self, state) -> None:
        if self.sender() is not self.capture:
            return  # a worker being replaced: its news is stale
        name = self.capture.source.name
        suffix = "" if state.kind == "streaming" else f" — {state.kind}"
        self.status_labels["source"].setText(f"Source: {name}{suffix}")
        if state.kind == "streaming":
            self._on_source_opened()
        elif state.kind == "failed":
            self._on_source_failed(state.message)
        elif state.kind == "ended":
            self.notice.show_notice(state.message, self._source_choices())
        elif state.kind in ("reconnecting", "stalled"):
            self.video_view.set_message(state.message)

    def _on_source_opened(self) -> None:
        self.video_view.set_message(None)
        if self.capture is not None and isinstance(self.capture.source, CameraSource):
            self.prefs.camera = self.capture.source.index
            self.notice.hide()

    def _on_source_failed(self, message: str) -> None:
        log.info("source failed: %s", message)
        if not self._explicit_source and "camera" in message.lower():
            self._explicit_source = True  # fall back once, then respect the user's choices
            self.notice.show_notice(f"No camera could be opened ({message}). Showing the built-in demo; "
                                    "pick a camera, open a video, or keep watching the demo.",
                                    self._source_choices())
            self.open_source("demo")
            return
        self.video_view.set_message(message)
        self.notice.show_notice(message, self._source_choices())

    def _source_choices(self):
        return [self.actions.find_cameras, self.actions.open_video, self.actions.demo]

    def find_cameras(self) -> None:
        """Probe cameras in a worker; the Camera menu fills in when it answers."""
        menus.fill_camera_menu(self.actions, None, self._source_name())
        source = self.capture.source if self.capture is not None else None
        probe = CameraProbe((source.index,) if isinstance(source, CameraSource) else (), self)
        probe.cameras_found.connect(self._on_cameras_found)
        probe.finished.connect(lambda: self.loaders.remove(probe) if probe in self.loaders else None)
        self.loaders.append(probe)
        probe.start()

    def _source_name(self) -> str:
        return self.capture.source.name if self.capture is not None else ""

    def _on_cameras_found(self, cameras: tuple) -> None:
        self.cameras = tuple(cameras)
        menus.fill_camera_menu(self.actions, self.cameras, self._source_name())

    def _on_resolution_chosen(self, action) -> None:
        self.prefs.resolution = tuple(action.data())
        if self.capture is not None and isinstance(self.capture.source, CameraSource):
            self.open_source(str(self.capture.source.index))

    def _on_open_video(self) -> None:
        patterns = " ".join(f"*{s}" for s in VIDEO_SUFFIXES + IMAGE_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, "Open video or image", str(Path.home()), f"Media ({patterns})")
        if path:
            self.open_source(path)

