"""``python -m emocam analyze`` on many videos: files and folders, ``--jobs 2`` processes, a Dask
cluster started in the test, resuming, Parquet, and failures that do not stop the batch. Real video
files of the demo face and the shipped model."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from emocam.__main__ import main
from tests.emocam.media import face_on_stage, write_video

FRAMES, FPS = 12, 10.0
HEADER = ["time_s", "frame", "track_id", "x", "y", "w", "h", "label",
          "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def _face_video(path: Path, frames: int = FRAMES) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_video(path, [face_on_stage(0.7, (100 + 5 * i, 100))[0] for i in range(frames)], fps=FPS)


@pytest.fixture
def inputs(tmp_path) -> dict[str, Path]:
    """a.mp4, b.mp4 and a folder holding c.mp4 and sub/d.avi (plus a text file that is skipped)."""
    folder = tmp_path / "dir"
    videos = {"a": _face_video(tmp_path / "a.mp4"), "b": _face_video(tmp_path / "b.mp4", 8),
              "c": _face_video(folder / "c.mp4"), "d": _face_video(folder / "sub" / "d.avi", 6)}
    (folder / "notes.txt").write_text("not a video")
    return {**videos, "dir": folder, "root": tmp_path}


def _analyze(capsys, *args) -> tuple[int, str, str]:
    rc = main(["analyze", *map(str, args)])
    out, err = capsys.readouterr()
    return rc, out, err


def _rows(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _table(video: Path) -> Path:
    return video.with_name(f"{video.stem}_emotions.csv")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_files_and_folders_give_one_csv_per_video_and_a_summary(inputs, capsys, jobs):
    rc, out, _ = _analyze(capsys, inputs["a"], inputs["b"], inputs["dir"], "--jobs", jobs)
    assert rc == 0, out
    for key, frames in (("a", FRAMES), ("b", 8), ("c", FRAMES), ("d", 6)):
        with _table(inputs[key]).open(newline="") as fh:
            header, *rows = list(csv.reader(fh))
        assert header == HEADER and [int(r[1]) for r in rows] == list(range(frames))
        state = json.loads(_table(inputs[key]).with_suffix(".json").read_text())
        assert state["summary"]["frames"] == frames and state["summary"]["tracks"] == 1
    summary = _rows(inputs["root"] / "emocam_summary.csv")
    assert [Path(r["video"]).name for r in summary] == ["a.mp4", "b.mp4", "c.mp4", "d.avi"]
    assert {r["status"] for r in summary} == {"done"} and all(r["dominant_emotion"] for r in summary)
    assert "4 video(s): 4 analysed, 0 skipped, 0 failed" in out
    assert not [p for p in inputs["root"].rglob(".*")]  # no temp files left


def test_a_rerun_skips_complete_videos_and_redoes_changed_ones(inputs, capsys):
    assert _analyze(capsys, inputs["a"], inputs["dir"])[0] == 0
    first = _table(inputs["a"]).stat().st_mtime_ns
    rc, out, _ = _analyze(capsys, inputs["a"], inputs["dir"])
    assert rc == 0 and "skipping 3" in out and "0 analysed, 3 skipped" in out
    assert _table(inputs["a"]).stat().st_mtime_ns == first
    assert {r["status"] for r in _rows(inputs["root"] / "emocam_summary.csv")} == {"skipped"}
    _face_video(inputs["c"], 5)  # the video changed: analysed again
    rc, out, _ = _analyze(capsys, inputs["a"], inputs["dir"])
    assert "1 analysed, 2 skipped" in out
    assert len(_rows(_table(inputs["c"]))) == 5
    rc, out, _ = _analyze(capsys, inputs["a"], inputs["dir"], "--every", "2")  # other settings: redo
    assert "3 analysed, 0 skipped" in out
    assert "3 analysed" in _analyze(capsys, inputs["a"], inputs["dir"], "--every", "2", "--force")[1]


def test_a_partial_output_without_its_state_file_is_not_complete(inputs, capsys):
    _table(inputs["a"]).write_text("time_s,frame\n0.0,0\n")  # e.g. left by another tool
    assert "2 analysed, 0 skipped" in _analyze(capsys, inputs["a"], inputs["b"])[1]
    assert len(_rows(_table(inputs["a"]))) == FRAMES


def test_a_bad_video_is_reported_and_the_others_still_finish(inputs, capsys):
    bad = inputs["root"] / "bad.mp4"
    bad.write_text("not a video\n" * 20)
    rc, out, err = _analyze(capsys, inputs["a"], bad, inputs["b"])
    assert rc == 2
    assert [line for line in err.splitlines() if "error" in line] == \
        [next(line for line in err.splitlines() if "bad.mp4" in line)]
    summary = {Path(r["video"]).name: r for r in _rows(inputs["root"] / "emocam_summary.csv")}
    assert summary["bad.mp4"]["status"] == "failed" and "not a readable video" in summary["bad.mp4"]["error"]
    assert summary["a.mp4"]["status"] == summary["b.mp4"]["status"] == "done"
    assert not bad.with_name("bad_emotions.json").exists()


def test_out_dir_keeps_same_named_videos_apart_and_parquet_matches_csv(inputs, capsys):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    twin = _face_video(inputs["dir"] / "sub" / "a.mp4", 7)
    out = inputs["root"] / "out"
    rc, _, _ = _analyze(capsys, inputs["a"], twin, "--out-dir", out, "--format", "parquet")
    assert rc == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == ["a_2_emotions.json", "a_2_emotions.parquet", "a_emotions.json", "a_emotions.parquet",
                     "emocam_summary.csv"]
    tables = [pd.read_parquet(out / n) for n in ("a_emotions.parquet", "a_2_emotions.parquet")]
    assert list(tables[0].columns) == HEADER and sorted(len(t) for t in tables) == [7, FRAMES]


@pytest.mark.parametrize("args, needle", [
    (["A", "B", "--csv", "x.csv"], "--csv is for one video file"),
    (["DIR", "--plot", "p.png"], "is a folder"),
    (["missing.mp4", "A"], "no such video file or folder"),
    (["EMPTY"], "no video files"),
    (["A", "--cluster", "tcp://127.0.0.1:9"], "cannot reach a Dask scheduler"),
])
def test_batch_usage_errors_are_one_line_and_exit_2(inputs, tmp_path, capsys, args, needle):
    (tmp_path / "empty").mkdir()
    names = {"A": inputs["a"], "B": inputs["b"], "DIR": inputs["dir"], "EMPTY": tmp_path / "empty"}
    rc, out, err = _analyze(capsys, *[names.get(a, a) for a in args])
    assert rc == 2
    lines = [line for line in err.strip().splitlines() if not line.startswith(("analyze:", "\r"))]
    assert len(lines) == 1 and needle in lines[0] and lines[0].startswith("emocam analyze: error:"), err


def test_cluster_run_on_a_local_dask_cluster(inputs, capsys, monkeypatch):
    distributed = pytest.importorskip("distributed")
    repo = str(Path(__file__).resolve().parents[3])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [repo, os.environ.get("PYTHONPATH")])))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        rc, out, _ = _analyze(capsys, inputs["a"], inputs["b"], inputs["dir"], "--cluster", cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            workers = client.run(os.getpid)
    assert rc == 0, out
    assert len(workers) == 2 and os.getpid() not in workers.values()
    summary = _rows(inputs["root"] / "emocam_summary.csv")
    assert len(summary) == 4 and {r["status"] for r in summary} == {"done"}
    assert len(_rows(_table(inputs["d"]))) == 6
