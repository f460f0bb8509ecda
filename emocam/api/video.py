"""A whole video through the live pipeline, one frame at a time: :func:`iter_video` (a generator, no
extra dependency) and :func:`analyze_video` (a pandas DataFrame, ``emocam[data]``).

Frames are decoded, analysed and dropped one by one, so memory does not grow with the video's
length; only the result rows are kept (about 100 bytes per face and frame)."""

from __future__ import annotations

import logging
from array import array
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, NamedTuple

from emocam.api.faces import Analyzer, FaceResult
from emocam.emotions import NAMES
from emocam.live.detection import DEFAULT_CASCADE
from emocam.live.sources import SourceError

if TYPE_CHECKING:
    import pandas

log = logging.getLogger(__name__)

VIDEO_COLUMNS: tuple[str, ...] = ("frame", "time_s", "track_id", "x", "y", "w", "h", *NAMES, "emotion")


class VideoFrame(NamedTuple):
    """One analysed frame of a video: its index, its time in the video and its faces."""

    frame: int
    time_s: float
    faces: list[FaceResult]


def iter_video(path: str | Path, every: int = 1, analyzer: Analyzer | None = None,
               progress: bool = True) -> Iterator[VideoFrame]:
    """Yield every ``every``-th frame of the video at ``path`` with its (tracked) faces; a tqdm bar
    on stderr shows progress unless ``progress`` is False."""
    import cv2
    from tqdm.auto import tqdm

    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    path = Path(path)
    cap = _open(path)
    analyzer = analyzer or Analyzer()
    analyzer.reset()
    fps = _fps(cap, path)
    total = max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT))) or None
    try:
        with tqdm(total=total, unit="frame", desc=path.name, disable=not progress, leave=False) as bar:
            index = 0
            while cap.grab():
                if index % every == 0:
                    ok, bgr = cap.retrieve()
                    if not ok:
                        break
                    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                    yield VideoFrame(index, index / fps, analyzer(rgb, timestamp=index / fps))
                index += 1
                bar.update(1)
    finally:
        cap.release()


def analyze_video(path: str | Path, every: int = 1, *, weights: str | Path | None = None,
                  cascade: str = DEFAULT_CASCADE, progress: bool = True) -> pandas.DataFrame:
    """One row per analysed frame and face: ``frame``, ``time_s``, ``track_id``, ``x``, ``y``, ``w``,
    ``h``, the 7 probabilities by emotion name and ``emotion``, as a pandas DataFrame (needs
    ``pip install 'emocam[data]'``). Streams the video: memory stays flat however long it is."""
    from emocam.extras import require

    pd = require("pandas", "analyze_video")
    columns = _Columns()
    for item in iter_video(path, every, Analyzer(weights, cascade), progress):
        for face in item.faces:
            columns.add(item.frame, item.time_s, face)
    return pd.DataFrame(columns.as_dict(), columns=list(VIDEO_COLUMNS))


class _Columns:
    """Rows kept as compact typed arrays (not Python objects) until the DataFrame is built."""

    def __init__(self):
        self.ints = {name: array("q") for name in ("frame", "track_id", "x", "y", "w", "h")}
        self.time_s = array("d")
        self.probs = {name: array("f") for name in NAMES}
        self.emotion = array("b")

    def add(self, frame: int, time_s: float, face: FaceResult) -> None:
        for name, value in zip(("frame", "track_id", "x", "y", "w", "h"), (frame, face.track_id or 0, *face.box)):
            self.ints[name].append(value)
        self.time_s.append(time_s)
        for name in NAMES:
            self.probs[name].append(face.probabilities[name])
        self.emotion.append(NAMES.index(face.emotion))

    def as_dict(self) -> dict:
        import numpy as np

        data = {name: np.frombuffer(values, dtype=np.int64) for name, values in self.ints.items()}
        data["time_s"] = np.frombuffer(self.time_s, dtype=np.float64)
        data.update({name: np.frombuffer(values, dtype=np.float32) for name, values in self.probs.items()})
        data["emotion"] = np.asarray(NAMES, dtype=object)[np.frombuffer(self.emotion, dtype=np.int8)]
        return data


def _open(path: Path):
    import cv2

    if not path.is_file():
        raise SourceError(f"{path}: no such video file")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise SourceError(f"{path}: not a readable video (OpenCV could not open it)")
    return cap


def _fps(cap, path: Path) -> float:
    import cv2

    fps = cap.get(cv2.CAP_PROP_FPS)
    if not 1 <= fps <= 1000:
        log.warning("%s: frame rate unknown (%s); assuming 30 fps for the timestamps", path, fps)
        return 30.0
    return fps
