"""LiveSession: the Qt-free live path the app runs, and the only way other threads change it.

The composition root builds one session (frame slot, detector, tracker, pipeline) and hands it to
the window. The capture thread puts frames into :attr:`LiveSession.slot`; the processing thread calls
:meth:`LiveSession.process` for each frame it takes. Every other thread changes the session only by
sending a command (new source, new model, smoothing, reset), which the processing thread applies
between two frames, so nothing is ever changed under a running :meth:`Pipeline.process`.

Each new source or model starts a new *epoch*; every result carries the epoch it was made in, and a
result from an older epoch is stale: the window never shows it.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, replace

from emocam.live.classifier import EmotionClassifier
from emocam.live.detection import FaceDetector
from emocam.live.face_search import PipelineSettings
from emocam.live.pipeline import Pipeline
from emocam.live.smoothing import FaceTracker, SmoothingSettings
from emocam.live.slot import LatestFrame, SlotWriter
from emocam.types import Frame, FrameResult


@dataclass(frozen=True)
class ResetTracking:
    """Forget every face being followed; the next frame is searched whole. ``epoch``: start this
    epoch (a new source), or None to stay in the current one."""

    epoch: int | None = None


@dataclass(frozen=True)
class UseClassifier:
    """Classify with ``classifier`` from the next frame on (it starts ``epoch``)."""

    classifier: EmotionClassifier
    epoch: int


@dataclass(frozen=True)
class UseSmoothing:
    settings: SmoothingSettings


Command = ResetTracking | UseClassifier | UseSmoothing


class LiveSession:
    """Frame slot + detector + tracker + pipeline, changed only through commands.

    Methods named after what they ask for (:meth:`new_source`, :meth:`use_classifier`,
    :meth:`use_smoothing`, :meth:`reset_tracking`) may be called from any thread; :meth:`process`
    only from the one processing thread."""

    def __init__(self, detector: FaceDetector, smoothing: SmoothingSettings = SmoothingSettings(),
                 settings: PipelineSettings = PipelineSettings()):
        self.slot = LatestFrame()
        self.detector = detector
        self.tracker = FaceTracker(smoothing)
        self.settings = settings
        self.pipeline: Pipeline | None = None  # set by the first classifier; owned by the processing thread
        self._commands: deque[Command] = deque()
        self._lock = threading.Lock()
        self._epoch = 0  # the newest epoch asked for
        self._working_epoch = 0  # the epoch the processing thread is in

    # ----- any thread
    @property
    def epoch(self) -> int:
        """The newest epoch: results from older ones are stale."""
        with self._lock:
            return self._epoch

    def is_current(self, result: FrameResult) -> bool:
        """Whether ``result`` was made for the newest source and model (else it must not be shown)."""
        return result.epoch == self.epoch

    def send(self, command: Command) -> None:
        """Queue ``command``; the processing thread applies it before its next frame."""
        with self._lock:
            self._commands.append(command)

    def new_source(self) -> SlotWriter:
        """A new source is starting: clear the slot, forget faces, start a new epoch. Returns the
        handle the new source's capture loop puts frames through; frames a replaced source still
        puts are refused, so they can never be processed in the new epoch."""
        with self._lock:
            self._epoch += 1
            generation = self.slot.reopen()
            self._commands.append(ResetTracking(self._epoch))
        return self.slot.writer(generation)

    def use_classifier(self, classifier: EmotionClassifier) -> int:
        """Swap in ``classifier`` between frames; starts a new epoch (returned)."""
        with self._lock:
            self._epoch += 1
            self._commands.append(UseClassifier(classifier, self._epoch))
            return self._epoch

    def use_smoothing(self, settings: SmoothingSettings) -> None:
        self.send(UseSmoothing(settings))

    def reset_tracking(self) -> None:
        self.send(ResetTracking())

    # ----- the processing thread
    def process(self, frame: Frame) -> FrameResult:
        """Apply pending commands, then run ``frame`` through the pipeline (an empty result while
        no model is loaded), stamped with the epoch it was made in."""
        self._apply_commands()
        result = FrameResult(frame) if self.pipeline is None else self.pipeline.process(frame)
        return replace(result, epoch=self._working_epoch)

    def _apply_commands(self) -> None:
        while True:
            with self._lock:
                if not self._commands:
                    return
                command = self._commands.popleft()
            self._apply(command)

    def _apply(self, command: Command) -> None:
        if isinstance(command, UseClassifier):
            if self.pipeline is None:
                self.pipeline = Pipeline(self.detector, command.classifier, self.tracker, self.settings)
            else:
                self.pipeline.classifier = command.classifier
            self._working_epoch = max(self._working_epoch, command.epoch)
        elif isinstance(command, UseSmoothing):
            self.tracker.settings = command.settings
        elif isinstance(command, ResetTracking):
            if self.pipeline is not None:
                self.pipeline.reset()
            else:
                self.tracker.reset()
            if command.epoch is not None:
                self._working_epoch = max(self._working_epoch, command.epoch)
