"""The values that cross between the app and the painter process: jobs in, events out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emocam.style.transfer import StyleSettings


class JobQueueFull(RuntimeError):
    """Too many jobs waiting; the message says how many."""


@dataclass(frozen=True)
class StyleJob:
    """Paint ``content`` in ``style``; the PNG goes to ``output`` (or the next free name beside it).
    ``settings.engine`` picks the painter. ``weights``: a VGG19 file for the Gatys engine, None to find
    one. ``networks``: the folder of the fast engine's pinned ONNX files, None for the shipped ones.
    ``random_vgg_for_tests`` uses an untrained VGG19: tests only, never set by the app."""

    job_id: int
    content: Path
    style: Path
    output: Path
    settings: StyleSettings = StyleSettings()
    weights: Path | None = None
    networks: Path | None = None
    random_vgg_for_tests: bool = False


@dataclass(frozen=True)
class JobStarted:
    job_id: int


@dataclass(frozen=True)
class JobProgress:
    """One step of a job; ``preview`` is a uint8 RGB image now and then, else None."""

    job_id: int
    step: int
    total: int
    loss: float
    fraction: float
    preview: np.ndarray | None = None


@dataclass(frozen=True)
class JobFinished:
    job_id: int
    output: Path
    seconds: float


@dataclass(frozen=True)
class JobFailed:
    """``message`` is for the user: what failed and what to do."""

    job_id: int
    message: str


@dataclass(frozen=True)
class JobCancelled:
    job_id: int


JobEvent = JobStarted | JobProgress | JobFinished | JobFailed | JobCancelled
