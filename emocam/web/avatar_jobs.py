"""Avatar jobs for the web app: one worker thread paints them in order; clients poll the progress and
fetch the PNG. Everything stays in memory (nothing is written to disk) and only the newest
``keep`` finished jobs are kept.

The worker thread starts with the first job and runs until :meth:`AvatarJobs.close`.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from emocam.web.avatars import AvatarCancelled, AvatarEngine
from emocam.web.uploads import WebError

log = logging.getLogger(__name__)

MAX_WAITING = 2


@dataclass
class AvatarJob:
    """Mutable state of one job, read and written under :attr:`AvatarJobs._lock`."""

    id: str
    style: str
    photo: np.ndarray | None
    style_rgb: np.ndarray | None
    state: str = "waiting"  # waiting | running | done | failed | cancelled
    progress: float = 0.0
    message: str = ""
    png: bytes | None = None
    created: float = field(default_factory=time.monotonic)
    seconds: float | None = None

    def as_json(self) -> dict:
        out = {"job": self.id, "state": self.state, "progress": round(self.progress, 3), "style": self.style,
               "message": self.message, "seconds": None if self.seconds is None else round(self.seconds, 2)}
        if self.state == "done":
            out["image_url"] = f"/api/avatar/{self.id}/image"
        return out


class AvatarJobs:
    """The queue of avatar jobs. Thread-safe."""

    def __init__(self, engine: AvatarEngine, keep: int = 8, max_waiting: int = MAX_WAITING):
        self.engine, self.keep, self.max_waiting = engine, keep, max_waiting
        self._jobs: dict[str, AvatarJob] = {}
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, photo: np.ndarray, style_rgb: np.ndarray, style: str) -> AvatarJob:
        """Queue a job; 503 when the engine cannot paint, 429 when too many are waiting."""
        missing = self.engine.missing()
        if missing:
            raise WebError(503, missing)
        with self._lock:
            waiting = sum(j.state in ("waiting", "running") for j in self._jobs.values())
            if waiting > self.max_waiting:
                raise WebError(429, f"{waiting} avatars are already being painted or waiting; try again when one is done")
            job = AvatarJob(secrets.token_urlsafe(12), style, photo, style_rgb)
            self._jobs[job.id] = job
            self._forget_old()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="emocam-web-avatars", daemon=True)
                self._thread.start()
        self._queue.put(job.id)
        return job

    def status(self, job_id: str) -> dict:
        with self._lock:
            return self._get(job_id).as_json()

    def png(self, job_id: str) -> tuple[bytes, str]:
        """The finished PNG and its style name; 409 while it is not done."""
        with self._lock:
            job = self._get(job_id)
            if job.state != "done":
                raise WebError(409, f"avatar {job_id} is {job.state}, not done; poll GET /api/avatar/{job_id}")
            return job.png, job.style

    def cancel(self, job_id: str) -> dict:
        with self._lock:
            job = self._get(job_id)
            if job.state in ("waiting", "running"):
                job.state, job.message = "cancelled", "cancelled"
            return job.as_json()

    def close(self) -> None:
        """Cancel everything and end the worker (it stops at the painter's next step)."""
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                if job.state in ("waiting", "running"):
                    job.state = "cancelled"
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _get(self, job_id: str) -> AvatarJob:
        job = self._jobs.get(job_id)
        if job is None:
            raise WebError(404, f"no avatar job {job_id[:40]!r}; jobs are kept in memory until {self.keep} newer ones finish "
                                "or the server restarts")
        return job

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs.values() if j.state in ("done", "failed", "cancelled")]
        for job in sorted(finished, key=lambda j: j.created)[: max(0, len(finished) - self.keep)]:
            del self._jobs[job.id]

    def _run(self) -> None:
        while (job_id := self._queue.get()) is not None:
            with self._lock:
                job = self._jobs.get(job_id)
                if job is None or job.state != "waiting" or self._closed:
                    continue
                job.state = "running"
            self._paint(job)

    def _paint(self, job: AvatarJob) -> None:
        started = time.monotonic()

        def progress(fraction: float) -> None:
            with self._lock:
                job.progress = max(job.progress, min(1.0, float(fraction)))

        try:
            image = self.engine.paint(job.photo, job.style_rgb, progress, lambda: job.state == "cancelled")
            png = _png(image)
            outcome = ("done", "", png)
        except AvatarCancelled:
            outcome = ("cancelled", "cancelled", None)
        except Exception as e:  # any failure is a message on the job; the worker serves the next one
            log.exception("avatar job %s failed", job.id)
            outcome = ("failed", f"the avatar could not be painted: {e}", None)
        with self._lock:
            if job.state != "cancelled":
                job.state, job.message, job.png = outcome
                job.progress = 1.0 if job.state == "done" else job.progress
            job.photo = job.style_rgb = None  # the inputs are not kept
            job.seconds = time.monotonic() - started


def _png(rgb: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise RuntimeError("could not encode the avatar as PNG")
    return buf.tobytes()
