"""Live avatars: the followed face of the newest video frame, painted by the fast engine in its own
process while the video runs.

The caller :meth:`LivePainter.offer` s each shown frame (any thread); a poll loop (one worker thread)
sends the newest request to the painter process when it is free and receives the painting. At most
one request is in flight and one waits: a frame offered while another waits replaces it (dropped,
never queued), so the avatar lags the video by one painting at most. The painter process runs at low
priority with one thread, so the live video keeps its frame rate; if the process dies, the next
:meth:`poll` says so and the next :meth:`offer` starts a fresh one.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from emocam.style.images import avatar_box
from emocam.types import Box, Frame

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class LiveRequest:
    """A face crop (uint8 RGB square) to paint in ``style`` at ``strength``; ``frame_index`` and
    ``timestamp`` are the source frame's, for latency."""

    crop: np.ndarray
    style: Path
    strength: float = 1.0
    preserve_colour: bool = False
    frame_index: int = 0
    timestamp: float = 0.0


@dataclass(frozen=True)
class LiveAvatar:
    """One live painting (uint8 RGB) of the frame ``frame_index``; ``paint_ms`` in the painter."""

    image: np.ndarray
    frame_index: int
    timestamp: float
    paint_ms: float
    style: Path


@dataclass(frozen=True)
class LiveFailed:
    """Live painting stopped; ``message`` is for the user."""

    message: str


def face_crop(frame: Frame, box: Box | None, side: int) -> np.ndarray:
    """The head-and-shoulders square around ``box`` (the centre square without a face) of the frame
    (RGB), ``side`` x ``side`` pixels: a new array, so the frame itself is never kept."""
    square = avatar_box(frame.width, frame.height, box)
    crop = frame.image[square.y: square.y + square.h, square.x: square.x + square.w]
    interpolation = cv2.INTER_AREA if square.w > side else cv2.INTER_LINEAR
    return cv2.resize(crop, (side, side), interpolation=interpolation)


class LivePainter:
    """Owns the live painter process (started by the first :meth:`offer`, ended by :meth:`close`).
    ``side``: the painting's size in pixels; ``networks``: the fast engine's folder (None: shipped)."""

    def __init__(self, side: int = 256, threads: int = 1, nice: int = 10, networks: Path | None = None):
        if not 64 <= side <= 512:
            raise ValueError(f"LivePainter side must be 64..512 pixels, got {side}")
        self.side, self.threads, self.nice, self.networks = side, threads, nice, networks
        self._ctx = mp.get_context("spawn")
        self._cond = threading.Condition()
        self._waiting: LiveRequest | None = None
        self._process = self._conn = None
        self._in_flight = False
        self.offered = self.dropped = self.painted = 0

    def offer(self, frame: Frame, box: Box | None, style: Path, strength: float = 1.0,
              preserve_colour: bool = False) -> None:
        """Paint the face in ``box`` of ``frame`` when the painter is free (a request still waiting is dropped)."""
        request = LiveRequest(face_crop(frame, box, self.side), Path(style), strength, preserve_colour,
                              frame.index, frame.timestamp)
        with self._cond:
            self.offered += 1
            if self._waiting is not None:
                self.dropped += 1
            self._waiting = request
            self._cond.notify_all()

    def poll(self, timeout: float = 0.1) -> LiveAvatar | LiveFailed | None:
        """Send the waiting request if the painter is free, then wait up to ``timeout`` for a painting."""
        with self._cond:
            if not self._in_flight:
                self._cond.wait_for(lambda: self._waiting is not None, timeout)
                if self._waiting is None:
                    return None
                request, self._waiting = self._waiting, None
                failed = self._send(request)
                if failed is not None:
                    return failed
            conn, process = self._conn, self._process
        if not conn.poll(timeout):
            return self._check_alive(process)
        try:
            answer = conn.recv()
        except (EOFError, OSError):
            return self._check_alive(process, force=True)
        with self._cond:
            self._in_flight = False
        if isinstance(answer, LiveAvatar):
            self.painted += 1
        return answer

    def _send(self, request: LiveRequest) -> LiveFailed | None:
        """Under the lock: start the process if needed and hand it ``request``."""
        try:
            if self._process is None or not self._process.is_alive():
                self._start()
            self._conn.send(request)
        except (OSError, EOFError) as e:
            self._process = None
            return LiveFailed(f"the live avatar painter could not start ({e})")
        self._in_flight = True
        return None

    def _start(self) -> None:
        self._conn, child = self._ctx.Pipe()
        self._process = self._ctx.Process(target=_live_main, name="emocam-live-avatar", daemon=True,
                                          args=(child, self.threads, self.nice, self.networks))
        self._process.start()
        child.close()
        log.info("live avatar process %d started", self._process.pid)

    def _check_alive(self, process, force: bool = False) -> LiveFailed | None:
        if process is None or (process.is_alive() and not force):
            return None
        with self._cond:
            if process is self._process:
                self._process, self._in_flight = None, False
        code = process.exitcode
        return LiveFailed(f"the live avatar painter stopped unexpectedly (exit code {code}); "
                          "turn Live avatar on again to restart it")

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.is_alive() else None

    def close(self, timeout: float = 1.0) -> None:
        """End the painter process (terminated if it does not leave within ``timeout``)."""
        with self._cond:
            process, conn, self._process, self._in_flight, self._waiting = self._process, self._conn, None, False, None
        if process is None:
            return
        try:
            conn.send(None)
        except (OSError, EOFError):
            pass
        process.join(timeout)
        if process.is_alive():
            process.terminate()
            process.join(2)
        conn.close()


def _live_main(conn, threads: int, nice: int, networks: Path | None) -> None:
    """The live painter process: paints each request it receives, answers each with one value, and
    ends on None or when the app is gone."""
    import os

    if nice and hasattr(os, "nice"):
        os.nice(nice)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s [live avatar]: %(message)s")
    try:
        from emocam.style.fast import FastStyleTransfer, default_vector_cache

        engine = FastStyleTransfer(networks, threads, default_vector_cache())
    except Exception as e:  # a refused network file: say so once, then answer every request the same way
        log.error("live avatars unavailable: %s", e)
        engine, broken = None, f"live avatar not available: {e}"
    styles = _StyleVectors(engine)
    while (request := _next_request(conn)) is not None:
        conn.send(_paint(engine, styles, request) if engine is not None else LiveFailed(broken))


def _next_request(conn) -> LiveRequest | None:
    while not conn.poll(1.0):
        parent = mp.parent_process()
        if parent is not None and not parent.is_alive():
            return None
    try:
        return conn.recv()
    except (EOFError, OSError):
        return None


def _paint(engine, styles, request: LiveRequest) -> LiveAvatar | LiveFailed:
    from emocam.style.images import preserve_colour

    started = time.perf_counter()
    try:
        image = engine.paint_with_strength(request.crop, styles.vector(request.style), request.strength)
    except (OSError, ValueError) as e:
        return LiveFailed(f"live avatar stopped: {e}")
    if request.preserve_colour:
        image = preserve_colour(image, request.crop)
    return LiveAvatar(image, request.frame_index, request.timestamp, 1000 * (time.perf_counter() - started),
                      request.style)


class _StyleVectors:
    """Style vectors by file, reloaded when the file changes."""

    def __init__(self, engine):
        self.engine, self._by_file = engine, {}

    def vector(self, path: Path) -> np.ndarray:
        from emocam.style.images import load_rgb

        stat = path.stat()
        key = (path, stat.st_mtime_ns, stat.st_size)
        if key not in self._by_file:
            self._by_file[key] = self.engine.cached_vector(load_rgb(path))
        return self._by_file[key]
