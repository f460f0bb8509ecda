"""``python -m emocam analyze`` over many videos: files and folders in, one table per video plus a
summary out, ``--jobs N`` local processes or a Dask cluster (``--cluster ADDRESS``), resumable.

Each finished video leaves ``NAME_emotions.csv`` (or ``.parquet``) and ``NAME_emotions.json`` (its
summary and the settings it was made with), both written atomically, the JSON last: a video whose
JSON matches the video file and the settings is complete and is skipped on the next run.

Why Dask distributed for clusters: it is pip-installable pure Python, connects to an existing
scheduler with one address (``tcp://host:8786``), and a local cluster starts in a couple of seconds
for tests; Ray would bring a far larger runtime for the same map-over-files job.
"""

from __future__ import annotations

import csv
import functools
import json
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from emocam.errors import UsageError
from emocam.fileio import atomic_file

STATE_VERSION = 1
SUMMARY_COLUMNS = ("video", "status", "table", "frames", "duration_s", "frames_processed",
                   "frames_with_faces", "rows", "tracks", "dominant_emotion", "seconds", "error")


@dataclass(frozen=True)
class VideoTask:
    """One video to analyse and where its outputs go (plain values: it travels to other processes)."""

    video: str
    table: str  # the per-face CSV or Parquet file
    state: str  # the JSON written last: the video's summary and settings
    every: int
    weights: str | None
    cascade: str

    def settings(self) -> dict:
        """What the outputs depend on: the video file, the model file, the options."""
        video = Path(self.video).stat()
        model = Path(self.weights).stat() if self.weights and Path(self.weights).is_file() else None
        return {"version": STATE_VERSION, "video_size": video.st_size, "video_mtime_ns": video.st_mtime_ns,
                "every": self.every, "weights": self.weights, "cascade": self.cascade,
                "model_size": model.st_size if model else None,
                "model_mtime_ns": model.st_mtime_ns if model else None, "table": Path(self.table).name}

    def is_complete(self) -> bool:
        """Outputs exist and were made from this very file with these settings."""
        try:
            state = json.loads(Path(self.state).read_text(encoding="utf-8"))
            return state.get("settings") == self.settings() and Path(self.table).is_file()
        except (OSError, ValueError):
            return False


def find_videos(inputs: Iterable[str]) -> list[Path]:
    """The video files named, and those inside named folders (recursively), each once, in order."""
    from emocam.live.sources import VIDEO_SUFFIXES

    found: dict[Path, None] = {}
    for name in inputs:
        path = Path(name).expanduser()
        if path.is_dir():
            found.update((p, None) for p in sorted(path.rglob("*"))
                         if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found[path] = None
        else:
            raise UsageError(f"{path}: no such video file or folder")
    if not found:
        raise UsageError(f"no video files ({', '.join(VIDEO_SUFFIXES)}) in {', '.join(inputs)}")
    return list(found)


def plan(videos: list[Path], out_dir: Path | None, every: int, weights: str | None, cascade: str,
         fmt: str = "csv") -> list[VideoTask]:
    """One task per video; outputs go beside each video, or into ``out_dir`` (names made unique).
    The default model is resolved here, so that a changed default model makes outputs incomplete."""
    from emocam.models.lookup import default_weights

    weights = str(Path(weights).resolve()) if weights else str(default_weights())
    tasks, taken = [], set()
    for video in videos:
        folder = out_dir or video.parent
        stem = f"{video.stem}_emotions"
        n = 2
        while (folder / stem) in taken:  # two videos with one name from different folders
            stem, n = f"{video.stem}_{n}_emotions", n + 1
        taken.add(folder / stem)
        tasks.append(VideoTask(str(video), str(folder / f"{stem}.{fmt}"), str(folder / f"{stem}.json"),
                               every, weights, cascade))
    return tasks


def analyze_task(task: VideoTask) -> dict:
    """Analyse one video (in whatever process runs this); returns its summary row. Failures are
    reported in the row (``status`` failed, ``error`` the one-line reason), never raised."""
    row = {"video": task.video, "table": task.table}
    try:
        row.update(_analyze(task))
        row["status"] = "done"
    except Exception as e:  # one bad video must not stop the batch; its reason goes in the summary
        lines = str(e).strip().splitlines()
        row.update(status="failed", error=f"{task.video}: {lines[0] if lines else type(e).__name__}"
                   if task.video not in str(e) else lines[0])
    return row


def _analyze(task: VideoTask) -> dict:
    from emocam.cli.analyze import analyze_video, open_video
    from emocam.live.pipeline import Pipeline

    detector, classifier = _model(task.weights, task.cascade)
    settings = task.settings()
    table = Path(task.table)
    csv_path = table.with_name(f".{table.stem}.tmp.csv") if table.suffix == ".parquet" else table
    cap, info, first = open_video(Path(task.video))
    try:
        analysis = analyze_video(cap, first, info, Pipeline(detector, classifier), task.every, csv_path)
    finally:
        cap.release()
    if csv_path != table:
        _csv_to_parquet(csv_path, table)
    labels = sum((series.labels for series in analysis.tracks.values()), start=Counter())
    summary = {"frames": analysis.frames_read, "duration_s": round(analysis.frames_read / info.fps, 3),
               "frames_processed": analysis.frames_processed, "frames_with_faces": analysis.frames_with_faces,
               "rows": analysis.rows, "tracks": len(analysis.tracks),
               "dominant_emotion": labels.most_common(1)[0][0] if labels else "",
               "seconds": round(analysis.seconds, 2)}
    with atomic_file(task.state) as fh:  # last: its presence marks the outputs complete
        json.dump({"video": task.video, "table": task.table, "summary": summary, "settings": settings}, fh, indent=1)
    return summary


@functools.lru_cache(maxsize=2)
def _model(weights: str | None, cascade: str):
    """The detector and classifier, loaded once per process and reused for every video it analyses."""
    from emocam.live.detection import FaceDetector
    from emocam.models.loading import load_classifier
    from emocam.models.lookup import default_weights

    detector = FaceDetector(cascade)
    return detector, load_classifier(weights or default_weights())


def _csv_to_parquet(csv_path: Path, target: Path) -> None:
    """Stream the CSV into a Parquet file batch by batch (flat memory), atomically; the CSV goes."""
    from emocam.extras import require

    require("pyarrow", "--format parquet")
    from pyarrow import csv as pacsv, parquet

    try:
        reader = pacsv.open_csv(csv_path)
        with atomic_file(target, binary=True) as fh:
            with parquet.ParquetWriter(fh, reader.schema) as writer:
                for batch in reader:
                    writer.write_batch(batch)
    finally:
        csv_path.unlink(missing_ok=True)


def run_tasks(tasks: list[VideoTask], jobs: int = 1, cluster: str | None = None) -> Iterator[dict]:
    """Summary rows as videos finish: in this process (``jobs`` 1), in ``jobs`` local processes,
    or on the Dask scheduler at ``cluster``."""
    if cluster:
        yield from _on_dask(tasks, cluster)
    elif jobs <= 1 or len(tasks) == 1:
        yield from map(analyze_task, tasks)
    else:
        # spawn, not fork: a fork of a process whose OpenCV/LiteRT thread pools already ran can deadlock
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(jobs, len(tasks)), context, initializer=_one_thread_each) as pool:
            for future in as_completed([pool.submit(analyze_task, t) for t in tasks]):
                yield future.result()


def _one_thread_each() -> None:
    """In each of ``jobs`` processes: OpenCV on one thread, so N processes use N cores, not N x cores."""
    import cv2

    cv2.setNumThreads(1)


def _on_dask(tasks: list[VideoTask], address: str) -> Iterator[dict]:
    from emocam.extras import require

    distributed = require("distributed", "analyze --cluster")
    try:
        client = distributed.Client(address, timeout="15s")
    except (OSError, TimeoutError) as e:
        raise UsageError(f"--cluster {address}: cannot reach a Dask scheduler there ({e}); start one with "
                         "`dask scheduler` and workers with `dask worker ADDRESS`") from e
    with client:
        futures = client.map(analyze_task, tasks, pure=False)
        for future in distributed.as_completed(futures):
            yield future.result()


def write_summary(rows: list[dict], path: Path) -> Path:
    """The summary CSV: one row per video (done, skipped or failed), written atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, newline="") as fh:
        writer = csv.DictWriter(fh, SUMMARY_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: r["video"]))
    return path


def skipped_row(task: VideoTask) -> dict:
    """The summary row of a video already complete, read back from its state file."""
    state = json.loads(Path(task.state).read_text(encoding="utf-8"))
    return {"video": task.video, "table": task.table, "status": "skipped", **state.get("summary", {})}


def default_summary_path(tasks: list[VideoTask], out_dir: Path | None) -> Path:
    folder = out_dir or Path(os.path.commonpath([str(Path(t.table).resolve().parent) for t in tasks]))
    return folder / "emocam_summary.csv"




def add_arguments(p) -> None:
    """The ``analyze`` command's options (one video or a batch): see :mod:`emocam.cli.analyze`."""
    from emocam.cli import analyze

    p.description = analyze.__doc__
    analyze.add_arguments(p)


def run(args) -> int:
    """``python -m emocam analyze``: one video as before, several (or a folder) as a batch."""
    from emocam.cli import analyze

    if not getattr(args, "debug", False):  # FFmpeg's complaints would only repeat our one-line errors
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
    return run_batch(args) if analyze.is_batch(args) else analyze.run(args)


def run_batch(args) -> int:
    """The batch command: plan, skip what is complete, run the rest with an overall progress bar,
    write the summary; exit code 2 when some video failed (each named on stderr in one line)."""
    import sys

    from tqdm import tqdm

    out_dir = Path(args.out_dir).expanduser() if args.out_dir else None
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
    if args.format == "parquet":
        from emocam.extras import require

        require("pyarrow", "--format parquet")
    tasks = plan(find_videos(args.videos), out_dir, args.every, args.weights, args.cascade, args.format)
    complete = [False] * len(tasks) if args.force else [t.is_complete() for t in tasks]
    done = [t for t, c in zip(tasks, complete) if c]
    todo = [t for t, c in zip(tasks, complete) if not c]
    rows = [skipped_row(t) for t in done]
    if done:
        print(f"skipping {len(done)} video(s) already analysed with these settings (--force to redo)")
    with tqdm(total=len(todo), unit="video", desc="analyze", file=sys.stderr, disable=None) as bar:
        for row in run_tasks(todo, args.jobs, args.cluster):
            rows.append(row)
            bar.update(1)
            if row["status"] == "failed":
                tqdm.write(f"emocam analyze: error: {row['error']}", file=sys.stderr)
    summary = write_summary(rows, Path(args.summary).expanduser() if args.summary else
                            default_summary_path(tasks, out_dir))
    failed = sum(r["status"] == "failed" for r in rows)
    print(f"{len(tasks)} video(s): {len(todo) - failed} analysed, {len(done)} skipped, {failed} failed; "
          f"wrote {summary}")
    return 2 if failed else 0
