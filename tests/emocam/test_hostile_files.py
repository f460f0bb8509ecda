"""Hostile files (issue 20): no crash, no memory blow-up, no hang, no overwrite; one line, exit 2.

One table per class of problem. Every file is built here; crashes happen for real, in the checking
child: the test process surviving them is part of each assertion.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.__main__ import main
from emocam.errors import ModelError
from tests.emocam import hostile, media

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_hang():
    """A test that blocks (a FIFO opened for reading) fails after 60 s instead of hanging the run."""
    def expired(*_):
        raise TimeoutError("blocked: a non-regular file was opened")
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(60)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture
def crash_tflite(tmp_path) -> Path:
    return hostile.crashing_tflite(tmp_path / "crash.tflite")


@pytest.fixture
def aborting_children(tmp_path, monkeypatch) -> None:
    """Every child process started from now on aborts at start-up, as if its parser had crashed:
    a loader that answers without a child is caught, because it would not crash."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import os\nos.abort()\n")
    monkeypatch.setenv("PYTHONPATH", f"{site}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")


@pytest.fixture
def inputs(tmp_path, tiny_models) -> dict[str, Path]:
    d = tmp_path / "inputs"
    d.mkdir()
    image = Path(shutil.copyfile(media.PORTRAIT, d / "face.jpg"))
    npz = d / "val.npz"
    np.savez(npz, x=np.zeros((4, 48, 48), np.uint8), y=np.array([0, 1, 2, 3]))
    video = d / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for _ in range(3):
        writer.write(np.zeros((48, 64, 3), np.uint8))
    writer.release()
    return {"image": image, "npz": npz, "video": video, "dir": d, "keras": tiny_models["keras48"]}


def one_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and "Traceback" not in err[0], err
    return err[0]


# ----- 1. crashes: every CLI opens untrusted model files in a child first

CLI_CASES = {
    "predict": lambda m, i: ["predict", i["image"], "--weights", m],
    "evaluate": lambda m, i: ["evaluate", "--data", i["npz"], "--weights", m, "--threads", "1"],
    "analyze": lambda m, i: ["analyze", i["video"], "--weights", m, "--csv", i["dir"] / "out.csv"],
    "bench": lambda m, i: ["bench", "--weights", m, "--frames", "10"],
    "export": lambda m, i: ["export", "--weights", m, "--out", i["dir"] / "out.keras"],
}


@pytest.mark.parametrize("command", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_a_model_that_segfaults_its_parser_is_one_line_in_every_cli(command, crash_tflite, inputs, capsys):
    shutil.copyfile(inputs["keras"], crash_tflite.with_suffix(".keras"))  # bench wants a Keras twin
    assert main([str(a) for a in command(crash_tflite, inputs)]) == 2  # and this process is still here
    line = one_line(capsys)
    assert f"{crash_tflite}: unreadable model — the loader crashed (SIGSEGV)" in line
    assert not (inputs["dir"] / "out.keras").exists() and not (inputs["dir"] / "out.csv").exists()


TRAINING_CASES = {
    "train --teacher (fixed)": lambda p: __import__("emocam.training.distill", fromlist=["x"]).teacher_probabilities(
        p, np.zeros((2, 48, 48), np.uint8)),
    "train --teacher (online)": lambda p: __import__("emocam.training.distill", fromlist=["x"]).OnlineTeacher(p, 0.5),
    "train --init-from": lambda p: __import__("emocam.training.train", fromlist=["x"])._initial_network(
        argparse.Namespace(init_from=str(p))),
    "train --resume": lambda p: __import__("emocam.training.train", fromlist=["x"])._resume(
        p, p.with_name("x.resume.json")),
}


@pytest.mark.parametrize("load", TRAINING_CASES.values(), ids=TRAINING_CASES.keys())
def test_training_opens_teacher_init_and_resume_files_in_a_child(load, tiny_models, tmp_path, aborting_children):
    model = Path(shutil.copyfile(tiny_models["keras48"], tmp_path / "x.resume.keras"))
    (tmp_path / "x.resume.json").write_text('{"epoch": 1, "best_val_accuracy": 0.5}')
    with pytest.raises(ModelError, match=r"x\.resume\.keras: unreadable model — the loader crashed \(SIGABRT\)"):
        load(model)


def test_a_crashing_file_in_a_real_cli_process_exits_2_with_one_line(crash_tflite, inputs):
    proc = subprocess.run([sys.executable, "-m", "emocam", "predict", str(inputs["image"]), "--weights",
                           str(crash_tflite)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if "error" in ln] == [
        f"emocam predict: error: {crash_tflite}: unreadable model — the loader crashed (SIGSEGV) while "
        "reading it; the file is probably corrupt or crafted"]


# ----- 2. the bytes that were checked are the bytes that run

def test_a_file_swapped_during_the_check_cannot_reach_the_parent(tiny_models, tmp_path, monkeypatch):
    from emocam.models import probe

    model = Path(shutil.copyfile(tiny_models["tflite48"], tmp_path / "model.tflite"))
    checked = model.read_bytes()
    real_run = probe.ModelProbe.run

    def swap_then_check(self):
        hostile.crashing_tflite(model)  # the file on disk becomes a crasher while the child checks
        return real_run(self)

    monkeypatch.setattr(probe.ModelProbe, "run", swap_then_check)
    classifier = probe.open_model(model)  # a re-read would SIGSEGV this very process
    assert classifier.tflite_bytes == checked and model.read_bytes() != checked
    assert classifier.predict([np.zeros((48, 48), np.uint8)]).shape == (1, 7)


# ----- 3. trust comes from the shipped hash, never from a name or weights/DEFAULT

def test_recorded_hashes_are_those_of_the_shipped_files():
    import hashlib

    from emocam.models.lookup import SHIPPED_SHA256

    for name, digest in SHIPPED_SHA256.items():
        assert hashlib.sha256((REPO / "weights" / name).read_bytes()).hexdigest() == digest, name


def test_default_naming_a_crasher_is_still_checked_in_a_child(crash_tflite, monkeypatch):
    from emocam.models.lookup import default_weights
    from emocam.models.probe import open_model

    (crash_tflite.parent / "DEFAULT").write_text("crash.tflite\n")
    monkeypatch.setenv("EMOCAM_WEIGHTS_DIR", str(crash_tflite.parent))
    with pytest.raises(ModelError, match="crashed \\(SIGSEGV\\)"):
        open_model(default_weights())


@pytest.mark.parametrize("change, checked", [(b"", False), (b"\0", True)], ids=["shipped bytes", "one byte more"])
def test_only_the_exact_shipped_bytes_skip_the_child(change, checked, tmp_path, aborting_children):
    from emocam.models.probe import open_model

    copy = tmp_path / "emocam_fer_v5.tflite"  # same name, other folder: the name proves nothing either way
    copy.write_bytes((REPO / "weights" / "emocam_fer_v5.tflite").read_bytes() + change)
    if checked:
        with pytest.raises(ModelError, match="crashed \\(SIGABRT\\)"):
            open_model(copy)
    else:
        assert open_model(copy).spec.height == 48


# ----- 4. non-regular files are refused or skipped wherever a path is opened

def _fifo(p: Path) -> Path:
    os.mkfifo(p)
    return p


def _device(p: Path) -> Path:
    p.symlink_to("/dev/zero")  # a link named like a file, to a device that never ends
    return p


def _folder(p: Path) -> Path:
    p.mkdir()
    return p


def _open_image(p):
    from emocam.live.media import read_image
    read_image(p)


def _open_video(p):
    from emocam.live.media import open_video
    open_video(p)


def _open_model(p):
    from emocam.models.probe import open_model
    open_model(p)


def _open_data(p):
    from emocam.training.data import load
    load(p)


def _hash_data(p):
    from emocam.training.data import sha256
    sha256(p)


def _image_source(p):
    from emocam.live.sources import ImageSource
    ImageSource(p)


def _video_source(p):
    from emocam.live.sources import VideoFileSource
    VideoFileSource(p).open()


def _default_marker(p):
    from emocam.models.lookup import default_weights
    default_weights(p.parent)


OPENERS = {"app image source": (_image_source, "b.jpg"), "app video source": (_video_source, "b.avi"),
           "weights/DEFAULT": (_default_marker, "DEFAULT"), "image": (_open_image, "b.png"), "video": (_open_video, "b.mp4"), "model": (_open_model, "b.tflite"),
           "keras model": (_open_model, "b.keras"), "npz": (_open_data, "b.npz"), "csv": (_open_data, "b.csv"),
           "data checksum": (_hash_data, "b.npz")}
KINDS = {"fifo": _fifo, "device": _device, "folder": _folder}


@pytest.mark.parametrize("kind", KINDS.values(), ids=KINDS.keys())
@pytest.mark.parametrize("opener, name", OPENERS.values(), ids=OPENERS.keys())
def test_non_regular_files_are_refused_without_blocking(opener, name, kind, tmp_path):
    path = kind(tmp_path / name)
    if kind is _folder and opener in (_open_data, _hash_data):
        pytest.skip("a folder is a valid data source (an image-folder tree)")
    with pytest.raises((ValueError, OSError)) as refused:  # OSError: the app's SourceError
        opener(path)
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)


def test_a_fifo_among_training_images_is_skipped(tmp_path):
    from emocam.training.data import load_folder

    happy = tmp_path / "data" / "happy"
    happy.mkdir(parents=True)
    cv2.imwrite(str(happy / "a.png"), np.full((48, 48), 128, np.uint8))
    os.mkfifo(happy / "b.png")
    assert len(load_folder(tmp_path / "data")) == 1


def test_evaluate_on_a_folder_with_a_fifo_finishes(tmp_path, tiny_models, capsys):
    happy = tmp_path / "data" / "happy"
    happy.mkdir(parents=True)
    cv2.imwrite(str(happy / "a.png"), np.full((48, 48), 128, np.uint8))
    os.mkfifo(happy / "b.png")
    assert main(["evaluate", "--data", str(tmp_path / "data"), "--weights", str(tiny_models["tflite48"]),
                 "--json", "--threads", "1"]) == 0
    assert '"n": 1' in capsys.readouterr().out


# ----- 5. memory bombs are refused before anything is allocated

def _edit_first(kind: str, edit):
    def apply(config):
        from tests.emocam.model_factory import layer_configs
        edit(next(layer for layer in layer_configs(config) if layer["class_name"] == kind))
    return apply


KERAS_BOMBS = {
    "150 px kernel, 4096 filters": (_edit_first("Conv2D", lambda l: l["config"].update(
        kernel_size=[150, 150], filters=4096)), "kernel_size=[150, 150]"),
    "320 px kernel": (_edit_first("Conv2D", lambda l: l["config"].update(kernel_size=[320, 320])),
                      "kernel_size=[320, 320]"),
    "4096 to 4096 channels, 15 px kernel": (_edit_first("Conv2D", lambda l: (l["config"].update(
        kernel_size=[15, 15], filters=4096), l.update(build_config={"input_shape": [None, 48, 48, 4096]}))),
        "weights, more than the 32,000,000"),
    "channels of 2^30": (_edit_first("Conv2D", lambda l: l.update(build_config={"input_shape": [None, 48, 48, 1 << 30]})),
                         "declares input shape"),
    "input shape hidden (no build_config)": (_edit_first("Conv2D", lambda l: l.pop("build_config")),
                                             "has no build_config"),
    "6000 px padding": (_edit_first("Conv2D", lambda l: l.update(class_name="ZeroPadding2D", config={
        "name": "pad", "padding": [[6000, 6000], [6000, 6000]]})), "pad or crop by at most 96 px"),
}


@pytest.mark.parametrize("edit, says", KERAS_BOMBS.values(), ids=KERAS_BOMBS.keys())
def test_keras_files_asking_for_huge_weights_are_refused_from_their_config(edit, says, tiny_models, tmp_path):
    from emocam.models.probe import open_model
    from tests.emocam.model_factory import rewrite_config

    bomb = rewrite_config(tiny_models["keras48"], tmp_path / "bomb.keras", edit)
    assert bomb.stat().st_size < 2 << 20
    with pytest.raises(ModelError, match=f"{re.escape(str(bomb))}: .*{re.escape(says)}"):
        open_model(bomb)


@pytest.fixture(scope="module")
def padding_tflite(tmp_path_factory) -> Path:
    return hostile.padding_tflite(tmp_path_factory.mktemp("pad") / "pad.tflite")


def _peak_mb(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter; the peak RSS of it or its children in MB, and its stderr.
    (VmHWM, not RUSAGE_SELF: Linux carries the forking parent's high-water mark across exec.)"""
    script = (f"import resource, sys\ntry:\n    {code}\nexcept Exception as e:\n    print(e, file=sys.stderr)\n"
              "hwm = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0])\n"
              "print(max(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)")
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    return float(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_a_tflite_that_pads_faces_to_12048_px_is_refused_with_bounded_memory(padding_tflite):
    assert padding_tflite.stat().st_size < 4096
    peak, err = _peak_mb(f"from emocam.models.probe import open_model; open_model({str(padding_tflite)!r})")
    assert re.search(f"{re.escape(str(padding_tflite))}: declares [0-9]{{3,}} MB of tensors", err), err
    assert peak < 400, f"peak {peak:.0f} MB"


def test_the_checking_child_is_killed_when_it_outgrows_its_memory_bound(tiny_models):
    from emocam.models.probe import ModelProbe

    with pytest.raises(ModelError, match="needed more than 20 MB of memory"):
        ModelProbe(tiny_models["tflite48"], max_rss=20 << 20).run()


IMAGE_BOMBS = {
    "10000x10000 png": (lambda p: hostile.png(p, 10_000, 10_000), r"image is 10000x10000 \(100 MP\)"),
    "header claims 100000x100000": (lambda p: hostile.png(p, 100_000, 100_000, rows=1),
                                    "declares 10000 MP, more than the 40 MP"),
    "header claims 0x0": (lambda p: hostile.png(p, 0, 0, rows=0), "not a (readable|usable) image"),
    "short data": (lambda p: hostile.png(p, 4000, 4000, rows=10), "not a readable image"),
}


@pytest.mark.parametrize("make, says", IMAGE_BOMBS.values(), ids=IMAGE_BOMBS.keys())
def test_image_bombs_are_refused_from_their_header(make, says, tmp_path):
    from emocam.live.media import read_image

    bomb = make(tmp_path / "bomb.png")
    with pytest.raises(ValueError, match=f"{re.escape(str(bomb))}: .*{says}"):
        read_image(bomb)


def test_a_10000_px_png_costs_no_more_than_its_header(tmp_path):
    bomb = hostile.png(tmp_path / "bomb.png", 10_000, 10_000)
    peak, err = _peak_mb(f"from emocam.live.media import read_image; read_image({str(bomb)!r})")
    assert "100 MP" in err and peak < 300, (peak, err)


def test_a_jpeg_over_the_limit_is_decoded_small_by_libjpeg(tmp_path, monkeypatch):
    from emocam.live import media as mediafiles

    photo = tmp_path / "photo.jpg"
    cv2.imwrite(str(photo), np.full((800, 1200, 3), 90, np.uint8))
    monkeypatch.setattr(mediafiles, "MAX_IMAGE_PIXELS", 300_000)
    assert mediafiles.read_image(photo).shape == (400, 600, 3)  # 1/2 scale: 240k pixels


def test_a_video_with_frames_over_the_limit_is_refused(inputs, monkeypatch):
    from emocam.live import media as mediafiles

    monkeypatch.setattr(mediafiles, "MAX_VIDEO_PIXELS", 1000)
    with pytest.raises(ValueError, match=f"{inputs['video']}: video frames are 64x48"):
        mediafiles.open_video(inputs["video"])


def test_npz_members_are_sized_from_the_zip_directory_before_unpacking(tmp_path, monkeypatch):
    from emocam.training import data

    bomb = tmp_path / "bomb.npz"
    np.savez_compressed(bomb, x=np.zeros((2000, 48, 48), np.uint8), y=np.zeros(2000, np.int64))
    monkeypatch.setattr(data, "MAX_DATA_BYTES", 1 << 20)
    with pytest.raises(data.DataError, match=f"{bomb}: unpacks to 4 MB"):
        data.load(bomb)


# ----- 8/9. never overwrite, never follow a planted link

def test_two_inputs_with_one_name_give_two_annotated_files(inputs, tmp_path, tiny_models, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    shutil.copyfile(inputs["image"], a / "face.png")
    cv2.imwrite(str(b / "face.png"), np.full((100, 120, 3), 200, np.uint8))
    out = tmp_path / "out"
    assert main(["predict", str(a / "face.png"), str(b / "face.png"), "--out", str(out),
                 "--weights", str(tiny_models["tflite48"])]) == 0
    written = sorted(p.name for p in out.iterdir())
    assert written == ["face_emocam.png", "face_emocam~2.png"]
    assert cv2.imread(str(out / "face_emocam~2.png")).shape == (100, 120, 3)


def test_a_link_planted_in_the_output_folder_is_not_followed(inputs, tmp_path, tiny_models, capsys):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "face_emocam.png").symlink_to(victim)
    assert main(["predict", str(inputs["image"]), "--out", str(out), "--weights", str(tiny_models["tflite48"])]) == 0
    assert victim.read_text() == "precious" and (out / "face_emocam~2.png").is_file()


def test_evaluate_report_replaces_planted_links_instead_of_writing_through_them(tmp_path):
    from emocam.training.evaluate import metrics, write_report

    victims = {}
    report = tmp_path / "report"
    report.mkdir()
    for name in ("metrics.json", "confusion_counts.png", "confusion_normalized.png"):
        victims[name] = tmp_path / f"victim-{name}"
        victims[name].write_text("precious")
        (report / name).symlink_to(victims[name])
    result = {"model": "m.tflite", "data": "d.npz", **metrics(np.array([0, 1, 2]), np.array([0, 1, 1]))}
    write_report(result, report)
    for name, victim in victims.items():
        assert victim.read_text() == "precious" and not (report / name).is_symlink()


# ----- 7. export: all files or none; 10. resume files; 11. one-line messages

@pytest.fixture
def old_export(tmp_path) -> dict[Path, bytes]:
    out = tmp_path / "pub" / "model.keras"
    out.parent.mkdir()
    files = {out: b"old keras", out.with_suffix(".tflite"): b"old tflite", out.with_suffix(".card.json"): b"{}"}
    for path, data in files.items():
        path.write_bytes(data)
    return files


EXPORT_REFUSALS = {
    "bad calibration data": (lambda d: d.write_bytes(b"not an npz"), [], "not a readable npz file"),
    ".npy named .npz": (lambda d: np.save(open(d, "wb"), np.zeros(3)), [],
                        "is a single .npy array, not an .npz archive"),
    "calibration count 0": (lambda d: None, ["--calibration-count", "0"], "--calibration-count 0: int8 ranges need"),
}


@pytest.mark.parametrize("make, extra, says", EXPORT_REFUSALS.values(), ids=EXPORT_REFUSALS.keys())
def test_a_failed_export_leaves_the_published_set_as_it_was(make, extra, says, old_export, tiny_models, tmp_path,
                                                             capsys):
    calibration = tmp_path / "calib.npz"
    make(calibration)
    out = next(iter(old_export))
    code = main(["export", "--weights", str(tiny_models["keras48"]), "--out", str(out), "--int8",
                 "--calibration", str(calibration), *extra])
    assert code == 2 and says in one_line(capsys)
    assert {p: p.read_bytes() for p in old_export} == old_export
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(p.name for p in old_export)


def test_a_resume_file_with_a_lambda_is_refused_by_the_allow_list(tmp_path):
    from emocam.training.train import _resume
    from tests.emocam.model_factory import lambda_model

    sentinel = tmp_path / "ran"
    resume = tmp_path / "net.resume.keras"
    lambda_model(sentinel).save(resume)
    (tmp_path / "net.resume.json").write_text('{"epoch": 1, "best_val_accuracy": 0.5}')
    with pytest.raises(ModelError, match=f"{resume}: .*Lambda") as refused:
        _resume(resume, tmp_path / "net.resume.json")
    assert "\n" not in str(refused.value) and not sentinel.exists()


def test_a_resume_file_with_a_foreign_optimizer_is_refused(tiny_models, tmp_path):
    from emocam.models.check import check_compile_config
    from tests.emocam.model_factory import rewrite_config

    def plant(config):
        config["compile_config"] = {"optimizer": {"module": "os", "class_name": "system", "config": {}}}
    resume = rewrite_config(tiny_models["keras48"], tmp_path / "net.resume.keras", plant)
    with pytest.raises(ModelError, match="'system' from 'os'"):
        check_compile_config(resume)


def test_a_keras_load_error_is_one_line(tiny_models, tmp_path):
    from emocam.models.probe import open_model
    from tests.emocam.model_factory import rewrite_config

    wrong = rewrite_config(tiny_models["keras48"], tmp_path / "wrong.keras",
                           _edit_first("Conv2D", lambda l: l["config"].update(filters=5)))  # weights no longer fit
    with pytest.raises(ModelError) as refused:
        open_model(wrong)
    message = str(refused.value)
    assert message.startswith(f"{wrong}: Keras could not load the model") and "\n" not in message
    assert len(message) < 400


@pytest.mark.parametrize("layer", [
    {"class_name": "ZeroPadding2D", "config": {"name": "p", "padding": [[2, 2], [2, 2]]}},
    {"class_name": "Cropping2D", "config": {"name": "c", "cropping": 4}},
    {"class_name": "MaxPooling2D", "config": {"name": "m", "pool_size": [3, 3], "strides": [2, 2], "padding": "same"}},
    {"class_name": "Conv2D", "config": {"name": "k", "filters": 64, "kernel_size": [7, 7], "strides": 2,
                                        "dilation_rate": [1, 1]}, "build_config": {"input_shape": [None, 48, 48, 32]}},
], ids=["padding", "cropping", "pooling", "7 px conv"])
def test_ordinary_layer_sizes_pass_the_bounds(layer):
    from emocam.models.check import check_config

    check_config({"class_name": "Functional", "config": {"layers": [layer]}}, Path("ok.keras"))
