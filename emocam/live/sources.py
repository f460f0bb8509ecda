"""Frame sources behind one interface (camera index, video file, still image, built-in demo, a list of
frames for tests). The frame slot they feed is :mod:`emocam.live.slot`.

BGR -> RGB conversion happens here, once, as frames leave OpenCV.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Protocol, Sequence

import cv2
import numpy as np

from emocam.live.clock import SYSTEM_CLOCK, Clock
from emocam.live.frames import bgr_to_rgb
from emocam import resources

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
DEMO_IMAGE = resources.assets_dir("demo", "astronaut.jpg")


class SourceError(OSError):
    """A source that cannot be opened or read; the message says which and what to try."""


class FrameSource(Protocol):
    """Something that yields RGB frames. ``read`` blocks until the next frame is due."""

    name: str
    is_camera: bool

    def open(self) -> None: ...

    def read(self) -> np.ndarray | None: ...

    def close(self) -> None: ...


class _Paced:
    """Sleeps on ``clock`` so that frames come out at ``fps`` (files and stills play in real time). A
    reader that fell behind gets the late frame at once and the next one a period later, not a burst."""

    def __init__(self, fps: float, clock: Clock = SYSTEM_CLOCK):
        self.period = 1.0 / fps if fps > 0 else 0.0
        self.clock = clock
        self._next = -math.inf

    def wait(self) -> None:
        now = self.clock.now()
        if self._next > now:
            self.clock.sleep(self._next - now)
        self._next = max(self._next, now) + self.period


class CameraSource:
    """A webcam by index, optionally at a requested resolution."""

    is_camera = True

    def __init__(self, index: int, width: int | None = None, height: int | None = None):
        self.index, self.width, self.height = index, width, height
        self.name = f"Camera {index}"
        self._cap = None

    def open(self) -> None:
        cap = cv2.VideoCapture(self.index)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"camera {self.index} could not be opened; is it connected and not in use?")
        if self.width and self.height:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        self._cap = cap

    def read(self) -> np.ndarray | None:
        ok, bgr = self._cap.read() if self._cap is not None else (False, None)
        return bgr_to_rgb(bgr) if ok else None

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class VideoFileSource:
    """A video file played in real time, looping at the end."""

    is_camera = False

    def __init__(self, path: str | Path, loop: bool = True, realtime: bool = True, clock: Clock = SYSTEM_CLOCK):
        self.path, self.loop, self.realtime, self.clock = Path(path), loop, realtime, clock
        self.name = self.path.name
        self._cap, self._pace = None, _Paced(0)

    def open(self) -> None:
        from emocam.live.media import open_video

        try:
            cap = open_video(self.path)  # regular files with frames of a size we can hold
        except ValueError as e:
            raise SourceError(str(e)) from e
        ok, _ = cap.read()
        if not ok:
            cap.release()
            raise SourceError(f"{self.path}: not a readable video (no frames could be decoded)")
        cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
        fps = cap.get(cv2.CAP_PROP_FPS) or 30.0
        self._cap, self._pace = cap, _Paced(fps if self.realtime and 1 <= fps <= 240 else 0, self.clock)

    def read(self) -> np.ndarray | None:
        if self._cap is None:
            return None
        self._pace.wait()
        ok, bgr = self._cap.read()
        if not ok and self.loop:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, bgr = self._cap.read()
        return bgr_to_rgb(bgr) if ok else None

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class FramesSource:
    """A list of RGB frames played at ``fps`` (loops by default). The fake camera of the tests."""

    def __init__(self, frames: Sequence[np.ndarray], fps: float = 30.0, loop: bool = True,
                 name: str = "frames", is_camera: bool = False, clock: Clock = SYSTEM_CLOCK):
        if not len(frames):
            raise SourceError(f"{name}: no frames to play")
        self.frames, self.loop, self.name, self.is_camera = list(frames), loop, name, is_camera
        self._fps, self._i, self.clock = fps, 0, clock
        self._pace = _Paced(fps, clock)

    def open(self) -> None:
        self._i, self._pace = 0, _Paced(self._fps, self.clock)

    def read(self) -> np.ndarray | None:
        if self._i >= len(self.frames):
            if not self.loop:
                return None
            self._i = 0
        self._pace.wait()
        frame = self.frames[self._i]
        self._i += 1
        return frame

    def close(self) -> None:
        pass


class ImageSource(FramesSource):
    """A still image, repeated (at 15 fps) so the pipeline keeps running on it."""

    def __init__(self, path: str | Path):
        from emocam.live.media import read_rgb

        path = Path(path)
        try:
            rgb = read_rgb(path)
        except ValueError as e:
            raise SourceError(str(e)) from e
        super().__init__([rgb], fps=15, name=path.name)


class DemoSource:
    """The built-in demo: a public-domain portrait drifting, breathing and flickering on a 640x480
    stage, so the whole pipeline can be seen working without a camera."""

    is_camera = False
    name = "Demo"

    def __init__(self, image: Path = DEMO_IMAGE, size: tuple[int, int] = (640, 480), fps: float = 30.0,
                 clock: Clock = SYSTEM_CLOCK):
        self.image_path, self.size, self.fps, self.clock = image, size, fps, clock
        self._portrait, self._t0, self._pace = None, 0.0, _Paced(fps, clock)
        self._rng = np.random.default_rng(0)

    def open(self) -> None:
        bgr = cv2.imread(str(self.image_path), cv2.IMREAD_COLOR)
        if bgr is None:
            raise SourceError(f"{self.image_path}: demo image missing; reinstall emocam or use --source")
        # crop to the head and shoulders: the model shuttle beside her reads as a face to Haar cascades
        h, w = bgr.shape[:2]
        bgr = bgr[: int(h * 0.8), int(w * 0.06): int(w * 0.56)]
        self._portrait = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        self._t0, self._pace = self.clock.now(), _Paced(self.fps, self.clock)

    def read(self) -> np.ndarray | None:
        if self._portrait is None:
            return None
        self._pace.wait()
        return self.render(self.clock.now() - self._t0)

    def render(self, t: float) -> np.ndarray:
        """The demo frame at time ``t`` seconds (deterministic apart from sensor noise)."""
        w, h = self.size
        scale = 0.86 + 0.04 * np.sin(t * 0.9)
        angle = 4.0 * np.sin(t * 0.6)
        ph, pw = self._portrait.shape[:2]
        cx, cy = w / 2 + 60 * np.sin(t * 0.5), h / 2 + 12 * np.sin(t * 0.8)
        m = cv2.getRotationMatrix2D((pw / 2, ph / 2), angle, scale * h / ph)
        m[:, 2] += (cx - pw / 2, cy - ph / 2)
        frame = cv2.warpAffine(self._portrait, m, (w, h), borderMode=cv2.BORDER_CONSTANT, borderValue=(24, 26, 32))
        gain = 1.0 + 0.05 * np.sin(t * 2.3)
        noise = self._rng.integers(-6, 7, (h, w, 1), dtype=np.int16)
        return np.clip(frame.astype(np.int16) * gain + noise, 0, 255).astype(np.uint8)

    def close(self) -> None:
        self._portrait = None


def open_source(spec: str | int, width: int | None = None, height: int | None = None) -> FrameSource:
    """Build a source from ``--source``: a camera index, ``demo``, a video file or an image file."""
    text = str(spec).strip()
    if text.isdigit():
        return CameraSource(int(text), width, height)
    if text.lower() == "demo":
        return DemoSource()
    path = Path(text).expanduser()
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return ImageSource(path)
    if path.suffix.lower() in VIDEO_SUFFIXES or path.is_file():
        return VideoFileSource(path)
    raise SourceError(f"{text!r} is not a camera index, 'demo', or an existing video/image file")


def probe_cameras(max_index: int = 4, in_use: tuple[int, ...] = ()) -> list[int]:
    """Indices of cameras that open and deliver a frame (slow: call from a worker). Cameras
    ``in_use`` are listed without being opened a second time."""
    found = []
    for index in range(max_index + 1):
        if index in in_use:
            found.append(index)
            continue
        cap = cv2.VideoCapture(index)
        try:
            if cap.isOpened() and cap.read()[0]:
                found.append(index)
        finally:
            cap.release()
    return found
