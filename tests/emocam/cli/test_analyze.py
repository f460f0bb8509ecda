"""``python -m emocam analyze``: on real small videos (the demo portrait's head moving across a
640x480 stage, written with cv2.VideoWriter), with a real tiny model and the real Haar cascade."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.__main__ import main
from emocam.cli.analyze import Progress
from emocam.live.sources import DEMO_IMAGE
from emocam.session.timeline_plot import MAX_PANELS, TrackSeries, save_timeline_plot

REPO = Path(__file__).resolve().parents[3]
EXPECTED_COLUMNS = ["time_s", "frame", "track_id", "x", "y", "w", "h", "label",
                    "angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
FPS, FRAMES = 10.0, 12
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _stage_frames(x_starts: list[int], count: int = FRAMES) -> list[np.ndarray]:
    """``count`` BGR frames with a 200 px head at each x (y=140), moving 3 px right per frame."""
    portrait = cv2.imread(str(DEMO_IMAGE))
    head = cv2.resize(portrait[20:260, 105:345], (200, 200), interpolation=cv2.INTER_AREA)
    frames = []
    for i in range(count):
        stage = np.full((480, 640, 3), 40, np.uint8)
        for x in x_starts:
            stage[140:340, x + 3 * i: x + 3 * i + 200] = head
        frames.append(stage)
    return frames


def _write(path: Path, frames: list[np.ndarray]) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (640, 480))
    assert writer.isOpened()
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


@pytest.fixture(scope="module")
def videos(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("videos")
    return {"one": _write(folder / "one.mp4", _stage_frames([200])),
            "two": _write(folder / "two.mp4", _stage_frames([10, 400]))}


@pytest.fixture
def video(videos, tmp_path) -> Path:
    """A private copy of the one-face video (outputs default to its folder)."""
    copy = tmp_path / "clip.mp4"
    copy.write_bytes(videos["one"].read_bytes())
    return copy


@pytest.fixture
def analyze(tiny_models, capsys):
    """Run ``python -m emocam analyze ARGS --weights tiny.tflite`` in-process: (rc, stdout, stderr)."""
    def run(*args: str) -> tuple[int, str, str]:
        rc = main(["analyze", *map(str, args), "--weights", str(tiny_models["tflite48"])])
        out, err = capsys.readouterr()
        return rc, out, err
    return run


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def _frame_count(path: Path) -> int:
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    cap.release()
    return n


def test_csv_has_exactly_the_columns_and_one_row_per_face_per_frame(analyze, videos, tmp_path):
    out = tmp_path / "two.csv"
    rc, stdout, _ = analyze(videos["two"], "--csv", out)
    assert rc == 0
    header, rows = _rows(out)
    assert header == EXPECTED_COLUMNS
    assert len(rows) == FRAMES * 2
    assert [int(r[1]) for r in rows] == [i for i in range(FRAMES) for _ in range(2)]
    assert len({r[2] for r in rows}) == 2  # two faces, two tracks, kept across frames
    for r in rows:
        assert float(r[0]) == pytest.approx(int(r[1]) / FPS, abs=1e-3)
        assert sum(float(p) for p in r[8:]) == pytest.approx(1.0, abs=1e-3)
        assert r[7] in ("Angry", "Disgust", "Fear", "Happy", "Sad", "Surprise", "Neutral")
    assert f"{FRAMES} frames" in stdout and "2 tracks" in stdout and "track 1:" in stdout and "dominant" in stdout


@pytest.mark.parametrize("every, frames", [(1, list(range(FRAMES))), (3, [0, 3, 6, 9]), (5, [0, 5, 10])])
def test_every_n_processes_every_nth_frame(analyze, video, tmp_path, every, frames):
    rc, stdout, _ = analyze(video, "--every", every, "--csv", tmp_path / "out.csv")
    assert rc == 0
    _, rows = _rows(tmp_path / "out.csv")
    assert [int(r[1]) for r in rows] == frames
    assert f"processed {len(frames)}" in stdout


def test_default_csv_goes_beside_the_video_and_nothing_else_is_left(analyze, video):
    rc, stdout, _ = analyze(video)
    assert rc == 0
    assert sorted(p.name for p in video.parent.iterdir()) == ["clip.mp4", "clip_emotions.csv"]
    assert len(_rows(video.with_name("clip_emotions.csv"))[1]) == FRAMES
    assert "wrote" in stdout and "clip_emotions.csv" in stdout


def _png_height(path: Path) -> int:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.shape[1] >= 600
    return image.shape[0]


def test_plot_is_a_valid_png_with_one_panel_per_track(analyze, videos, tmp_path):
    one, two = tmp_path / "one.png", tmp_path / "two.png"
    assert analyze(videos["one"], "--csv", tmp_path / "1.csv", "--plot", one)[0] == 0
    assert analyze(videos["two"], "--csv", tmp_path / "2.csv", "--plot", two)[0] == 0
    assert _png_height(two) > _png_height(one) + 100  # a second panel


@pytest.mark.parametrize("every", [1, 4])
def test_annotated_video_has_every_frame_with_boxes_drawn(analyze, video, tmp_path, every):
    out = tmp_path / "annotated.mp4"
    rc, _, _ = analyze(video, "--annotated", out, "--every", every, "--csv", tmp_path / "a.csv")
    assert rc == 0
    assert _frame_count(out) == FRAMES
    cap = cv2.VideoCapture(str(out))
    assert (cap.get(cv2.CAP_PROP_FRAME_WIDTH), cap.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (640, 480)
    ok, annotated = cap.read()
    cap.release()
    _, original = cv2.VideoCapture(str(video)).read()
    x, y, w, h = (int(v) for v in _rows(tmp_path / "a.csv")[1][0][3:7])
    edge = np.abs(annotated[y: y + h, x: x + 2].astype(int) - original[y: y + h, x: x + 2].astype(int))
    assert ok and edge.mean() > 20  # the box's left edge is drawn in
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_a_video_without_faces_gives_a_header_only_csv_and_an_empty_plot(analyze, tmp_path):
    blank = _write(tmp_path / "blank.mp4", [np.full((480, 640, 3), 90, np.uint8)] * 5)
    rc, stdout, _ = analyze(blank, "--plot", tmp_path / "p.png")
    assert rc == 0
    header, rows = _rows(tmp_path / "blank_emotions.csv")
    assert header == EXPECTED_COLUMNS and rows == []
    assert "0 tracks" in stdout
    _png_height(tmp_path / "p.png")


def test_the_plot_shows_at_most_max_panels_tracks(tmp_path):
    rng = np.random.default_rng(0)
    tracks = {}
    for track_id in range(1, MAX_PANELS + 3):
        series = tracks[track_id] = TrackSeries()
        for i in range(5 + track_id):
            series.add(i / 10, rng.dirichlet(np.ones(7)), "Happy")
    many = save_timeline_plot(tracks, tmp_path / "many.png", 2.0, 0.1)
    capped = save_timeline_plot(dict(list(tracks.items())[-MAX_PANELS:]), tmp_path / "capped.png", 2.0, 0.1)
    assert _png_height(many) == _png_height(capped)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capped.png", "many.png"]


def _one_error_line(err: str, *needles: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("emocam analyze: error:") and "Traceback" not in err
    for needle in needles:
        assert needle in lines[0]


@pytest.mark.parametrize("kind", ["missing", "folder", "empty", "text", "truncated"])
def test_bad_video_is_one_clear_line_and_exit_2(analyze, videos, tmp_path, kind):
    bad = tmp_path / "bad.mp4"
    if kind == "folder":
        bad.mkdir()
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "text":
        bad.write_text("this is not a video\n" * 50)
    elif kind == "truncated":
        bad.write_bytes(videos["one"].read_bytes()[:4000])
    rc, stdout, err = analyze(bad, "--csv", tmp_path / "out.csv")
    assert rc == 2 and stdout == ""
    _one_error_line(err, str(bad))
    assert not (tmp_path / "out.csv").exists() and not list(tmp_path.glob(".*"))


def test_bad_video_from_the_shell_prints_only_our_line(tmp_path):
    """FFmpeg's own complaints (``moov atom not found``) must not reach the terminal."""
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video\n")
    proc = subprocess.run([sys.executable, "-m", "emocam", "analyze", str(bad)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    _one_error_line(proc.stderr, "bad.mp4", "not a readable video")
    assert list(tmp_path.iterdir()) == [bad]


@pytest.mark.parametrize("option", ["--csv", "--plot", "--annotated"])
def test_outputs_in_a_missing_folder_fail_before_any_work(analyze, video, tmp_path, option):
    target = tmp_path / "no" / "such" / "out.x"
    rc, _, err = analyze(video, option, target)
    assert rc == 2
    _one_error_line(err, str(target.parent), "does not exist")


def test_an_output_may_not_overwrite_the_input(analyze, video):
    rc, _, err = analyze(video, "--csv", video)
    assert rc == 2 and video.stat().st_size > 1000
    _one_error_line(err, "overwrite")


def test_a_bad_model_fails_cleanly_and_leaves_no_files(video, tmp_path, capsys):
    bad_model = tmp_path / "broken.tflite"
    bad_model.write_bytes(b"not a model")
    rc = main(["analyze", str(video), "--weights", str(bad_model), "--csv", str(tmp_path / "o.csv")])
    _, err = capsys.readouterr()
    assert rc == 2
    _one_error_line(err, "broken.tflite")
    assert not (tmp_path / "o.csv").exists() and not list(tmp_path.glob(".*"))


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_every_must_be_a_positive_whole_number(video, value, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(video), "--every", value])
    assert exc.value.code == 2
    assert "--every" in capsys.readouterr().err


def test_progress_bar_is_tqdm_and_writes_to_its_stream_only_when_enabled():
    stream = io.StringIO()
    bar = Progress(10, "v.mp4", stream=stream, enabled=True)
    bar.update(4)
    bar.update(10)
    bar.close()
    last = stream.getvalue().strip().split("\r")[-1]
    assert last.startswith("v.mp4: 100%") and "10/10" in last
    quiet = io.StringIO()
    bar = Progress(10, stream=quiet)  # a StringIO is not a terminal
    bar.update(5)
    bar.close()
    assert quiet.getvalue() == ""
