"""``python -m emocam analyze VIDEO...``: run the live pipeline (detection, classification, tracking and
smoothing) over every frame (or every Nth) of video files as fast as they decode, and write a per-face
CSV for each, optionally (one video) a timeline plot (one panel per tracked face) and an annotated copy.

Several videos or folders make a batch (:mod:`emocam.cli.batch`, which runs the command and calls
:func:`run` for a single video): ``--jobs N`` processes or a Dask
cluster, one table and one JSON summary per video plus ``emocam_summary.csv``; a rerun skips the
videos whose outputs are complete."""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from emocam.cli.args import int_in_range
from emocam.errors import UsageError
from emocam.live.sources import SourceError
from emocam.fileio import atomic_file
from emocam.session.recording import CSV_COLUMNS, face_rows
from emocam.session.timeline_plot import TrackSeries, save_timeline_plot
from emocam.types import Frame, FrameResult

log = logging.getLogger(__name__)


class VideoError(SourceError):
    """A video that cannot be opened, decoded or written; the message names the file."""


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    fps: float
    frame_count: int  # the container's estimate; 0 when unknown
    width: int
    height: int


@dataclass
class Analysis:
    info: VideoInfo
    every: int
    frames_read: int = 0
    frames_processed: int = 0
    frames_with_faces: int = 0
    rows: int = 0
    seconds: float = 0.0
    tracks: dict[int, TrackSeries] = field(default_factory=dict)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("videos", nargs="+", metavar="VIDEO",
                   help="video files (anything OpenCV decodes: mp4, avi, mkv...) or folders of them")
    p.add_argument("--csv", metavar="OUT.csv", help="one video: per-face CSV (default: VIDEO_emotions.csv beside VIDEO)")
    p.add_argument("--plot", metavar="OUT.png", help="one video: timeline plot, one panel per tracked face")
    p.add_argument("--annotated", metavar="OUT.mp4", help="one video: a copy with boxes and labels (mp4v)")
    p.add_argument("--jobs", metavar="N", type=_positive_int, default=1, help="videos analysed at once (processes)")
    p.add_argument("--cluster", metavar="ADDRESS", help="run on this Dask scheduler (tcp://host:8786; "
                   "pip install 'emocam[cluster]'); the videos and outputs must be on a shared file system")
    p.add_argument("--out-dir", metavar="DIR", help="batch: write the tables here (default: beside each video)")
    p.add_argument("--summary", metavar="OUT.csv", help="batch: one row per video (default: emocam_summary.csv "
                   "in --out-dir, else in the videos' common folder)")
    p.add_argument("--format", choices=("csv", "parquet"), default="csv",
                   help="batch: per-video table format (parquet needs pip install 'emocam[data]')")
    p.add_argument("--force", action="store_true", help="batch: analyse again videos whose outputs are complete")
    p.add_argument("--every", metavar="N", type=_positive_int, default=1,
                   help="process every Nth frame (default 1: all)")
    p.add_argument("--weights", help="model file (default: the shipped model in weights/)")
    p.add_argument("--cascade", default="haarcascade_frontalface_default", help="Haar cascade name or XML path")


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "debug", False):  # FFmpeg's complaints would only repeat our one-line error
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    video = Path(args.videos[0]).expanduser()
    csv_path = Path(args.csv) if args.csv else video.with_name(f"{video.stem}_emotions.csv")
    outputs = [p for p in (csv_path, args.plot and Path(args.plot), args.annotated and Path(args.annotated)) if p]
    if args.plot:  # before the work, not after it
        from emocam.extras import require

        require("matplotlib", "analyze --plot")
    if not video.exists():  # the input first: its absence is the message the user needs
        raise VideoError(f"{video}: no such video file")
    _check_outputs(video, outputs)
    cap, info, first = open_video(video)
    try:
        pipeline = _build_pipeline(args)
        progress = Progress(info.frame_count, label=video.name)
        analysis = analyze_video(cap, first, info, pipeline, args.every, csv_path,
                                 Path(args.annotated) if args.annotated else None, progress)
    finally:
        cap.release()
    if args.plot:
        info = analysis.info
        save_timeline_plot(analysis.tracks, Path(args.plot), analysis.frames_read / info.fps,
                           analysis.every / info.fps, title=f"{info.path.name}: emotions per tracked face")
    print(summary(analysis, outputs))
    return 0


_positive_int = int_in_range(1)


def is_batch(args: argparse.Namespace) -> bool:
    """Several videos, a folder, or a batch option: the batch path (the single-video options refused)."""
    batch = (len(args.videos) > 1 or Path(args.videos[0]).expanduser().is_dir() or args.jobs > 1
             or args.cluster or args.out_dir or args.summary or args.format != "csv" or args.force)
    single = [name for name in ("csv", "plot", "annotated") if getattr(args, name)]
    if batch and single:
        first = Path(args.videos[0]).expanduser()
        where = f"{first}: is a folder; " if len(args.videos) == 1 and first.is_dir() else ""
        raise UsageError(f"{where}--{single[0]} is for one video file; for several videos use --out-dir")
    return bool(batch)


def _check_outputs(video: Path, outputs: list[Path]) -> None:
    for out in outputs:
        if out.resolve() == video.resolve():
            raise VideoError(f"{out}: an output would overwrite the input video; choose another name")
        if not out.parent.is_dir():
            raise VideoError(f"{out}: folder {out.parent} does not exist")
    if len({o.resolve() for o in outputs}) != len(outputs):
        raise VideoError(f"outputs must be different files: {', '.join(map(str, outputs))}")


def open_video(path: Path):
    """``(capture, info, first BGR frame)``; raises :class:`VideoError` naming the file."""
    from emocam.live.media import open_video as open_capture

    try:
        cap = open_capture(path)  # regular files with frames of a size we can hold
    except ValueError as e:
        raise VideoError(str(e)) from e
    ok, first = cap.read()
    if not ok or first is None:
        cap.release()
        raise VideoError(f"{path}: not a readable video (OpenCV could not decode a frame); "
                         "is it a video file, and complete?")
    fps = cap.get(cv2.CAP_PROP_FPS)
    if not 1 <= fps <= 1000:
        log.warning("%s: frame rate unknown (%s); assuming 30 fps for the timestamps", path, fps)
        fps = 30.0
    count = max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))
    return cap, VideoInfo(path, fps, count, first.shape[1], first.shape[0]), first


def _build_pipeline(args):
    from emocam.models.probe import open_model
    from emocam.live.detection import FaceDetector
    from emocam.live.pipeline import Pipeline
    from emocam.models.lookup import default_weights

    detector = FaceDetector(args.cascade)  # a bad cascade fails before the (slower) model load
    return Pipeline(detector, open_model(args.weights or default_weights()))


def analyze_video(cap, first: np.ndarray, info: VideoInfo, pipeline, every: int, csv_path: Path,
            annotated: Path | None = None, progress: Progress | None = None) -> Analysis:
    """Process every ``every``-th frame; rows go to ``csv_path`` as they come (atomically, on success)."""
    analysis, started = Analysis(info, every), time.perf_counter()
    writer = AnnotatedWriter(annotated, info) if annotated else None
    result = None
    try:
        with atomic_file(csv_path, newline="") as fh:
            rows = csv.writer(fh)
            rows.writerow(CSV_COLUMNS)
            for index, bgr in _frames(cap, first):
                if index % every == 0:
                    result = _process(pipeline, bgr, index, info)
                    _collect(analysis, result, rows)
                analysis.frames_read = index + 1
                if writer:
                    writer.write(bgr, result)
                if progress:
                    progress.update(index + 1)
        if writer:
            writer.finish()
    finally:
        if writer:
            writer.discard()
        if progress:
            progress.close()
    analysis.seconds = time.perf_counter() - started
    if info.frame_count and analysis.frames_read < 0.9 * info.frame_count:
        log.warning("%s: decoding stopped at frame %d of about %d (damaged file?)",
                    info.path, analysis.frames_read, info.frame_count)
    return analysis


def _frames(cap, first: np.ndarray):
    index, bgr = 0, first
    while bgr is not None:
        yield index, bgr
        ok, bgr = cap.read()
        bgr, index = (bgr if ok else None), index + 1


def _process(pipeline, bgr: np.ndarray, index: int, info: VideoInfo) -> FrameResult:
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return pipeline.process(Frame(rgb, index, index / info.fps, str(info.path)))


def _collect(analysis: Analysis, result: FrameResult, rows) -> None:
    analysis.frames_processed += 1
    analysis.frames_with_faces += bool(result.faces)
    for row in face_rows(result, result.frame.timestamp):
        rows.writerow(row.csv_fields())
        analysis.rows += 1
        analysis.tracks.setdefault(row.track_id, TrackSeries()).add(row.time_s, row.probabilities, row.label)


class AnnotatedWriter:
    """Writes the annotated copy to a temp file beside the target; :meth:`finish` moves it into place,
    :meth:`discard` removes whatever was not finished."""

    def __init__(self, target: Path, info: VideoInfo):
        self.target = target
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix or ".mp4")
        os.close(fd)
        self.tmp = Path(tmp)
        self._writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*"mp4v"), info.fps, (info.width, info.height))
        if not self._writer.isOpened():
            self.discard()
            raise VideoError(f"{target}: OpenCV cannot write an mp4v video here; try a .mp4 name")

    def write(self, bgr: np.ndarray, result: FrameResult | None) -> None:
        """The frame with the latest result's boxes and labels (held between processed frames)."""
        image = bgr.copy()
        for face in result.faces if result else ():
            draw_face(image, face)
        self._writer.write(image)

    def finish(self) -> None:
        from emocam.fileio import publish_written

        self._writer.release()
        publish_written(self.tmp, self.target)  # fsync, then rename over the name: never through a link

    def discard(self) -> None:
        self._writer.release()
        self.tmp.unlink(missing_ok=True)


def draw_face(bgr: np.ndarray, face) -> None:
    """Box, track number and label in the emotion's colour, on a dark backing for legibility."""
    r, g, b = face.emotion.colour
    x, y, w, h = face.box.x, face.box.y, face.box.w, face.box.h
    cv2.rectangle(bgr, (x, y), (x + w, y + h), (b, g, r), 2)
    text = f"#{face.track_id} {face.text}"
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.55, 1)
    top = y - th - base - 6 if y - th - base - 6 >= 0 else y + h
    cv2.rectangle(bgr, (x, top), (x + tw + 8, top + th + base + 6), (20, 20, 20), cv2.FILLED)
    cv2.putText(bgr, text, (x + 4, top + th + 3), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (b, g, r), 1, cv2.LINE_AA)


class Progress:
    """Frames done of one video as a tqdm bar on ``stream`` (default stderr; shown only on a terminal
    unless ``enabled`` says otherwise)."""

    def __init__(self, total: int, label: str = "", stream=None, enabled: bool | None = None):
        from tqdm import tqdm

        self._bar = tqdm(total=total or None, desc=label or None, unit="frame", file=stream or sys.stderr,
                         disable=None if enabled is None else not enabled, mininterval=0.1, dynamic_ncols=True)

    def update(self, done: int) -> None:
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        self._bar.close()


def summary(analysis: Analysis, outputs: list[Path]) -> str:
    """What was processed, what was found per track, and which files were written."""
    info, a = analysis.info, analysis
    nth = "" if a.every == 1 else f" (1 in {a.every})"
    lines = [f"{info.path.name}: {a.frames_read} frames, {info.width}x{info.height} at {info.fps:g} fps "
             f"({a.frames_read / info.fps:.1f} s); processed {a.frames_processed}{nth} in {a.seconds:.1f} s",
             f"faces: {a.rows} in {a.frames_with_faces} frames, "
             f"{len(a.tracks)} track{'s' if len(a.tracks) != 1 else ''}"]
    for track_id, series in sorted(a.tracks.items()):
        label, share = series.dominant
        span = series.times[-1] - series.times[0]
        lines.append(f"  track {track_id}: {len(series.times)} frames over {span:.1f} s, "
                     f"dominant {label} ({share:.0%})")
    lines += [f"wrote {out}" for out in outputs]
    return "\n".join(lines)
