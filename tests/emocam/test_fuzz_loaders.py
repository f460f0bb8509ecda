"""Property tests (Hypothesis): random and mutated bytes fed to every loader.

For any input, each loader either returns something within its bounds or raises a ``ValueError``
(``OSError`` for video sources) whose message is one line naming the file; the calling process never
crashes (model files are parsed in the checking child) and its peak memory stays bounded. The CLI
wrapper turns those into exit code 2 with one line and no traceback.

Example counts are small (the whole module runs in well under a minute on 2 cores); every run
explores different bytes, and a failure prints the bytes that broke it.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emocam.__main__ import main
from emocam.limits import MAX_IMAGE_PIXELS

FUZZ = settings(deadline=None, derandomize=False, suppress_health_check=list(HealthCheck), database=None)
MEMORY_GROWTH_MB = 300  # the process may grow this much over a whole test; a bomb costs gigabytes


def _hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        return int(fh.read().split("VmHWM:")[1].split()[0]) / 1024


@pytest.fixture(autouse=True)
def bounded_memory():
    before = _hwm_mb()
    yield
    assert _hwm_mb() - before < MEMORY_GROWTH_MB, f"peak memory grew {_hwm_mb() - before:.0f} MB"


def mutated(seed: bytes, max_edits: int = 8):
    """``seed`` with a few bytes overwritten, optionally truncated: mostly-valid files that reach
    deep into a parser, which random bytes rarely do."""
    edits = st.lists(st.tuples(st.integers(0, len(seed) - 1), st.integers(0, 255)), min_size=1, max_size=max_edits)

    def apply(args):
        changes, keep = args
        data = bytearray(seed)
        for at, value in changes:
            data[at] = value
        return bytes(data[:keep])
    return st.tuples(edits, st.integers(1, len(seed))).map(apply)


def _encoded(ext: str, shape=(40, 56, 3)) -> bytes:
    rng = np.random.default_rng(0)
    ok, buf = cv2.imencode(ext, rng.integers(0, 255, shape, dtype=np.uint8))
    assert ok
    return buf.tobytes()


IMAGE_SEEDS = {ext: _encoded(ext) for ext in (".png", ".jpg", ".bmp")}
any_image = st.one_of(st.binary(max_size=2048), *(mutated(seed) for seed in IMAGE_SEEDS.values()))


def _one_line_naming(e: BaseException, path: Path) -> None:
    message = str(e)
    assert str(path) in message and "\n" not in message and "Traceback" not in message, message


@settings(FUZZ, max_examples=60)
@given(data=any_image, ext=st.sampled_from([".png", ".jpg", ".bmp"]))
def test_images(tmp_path_factory, data, ext):
    from emocam.live.media import read_image

    path = tmp_path_factory.mktemp("img") / f"fuzz{ext}"
    path.write_bytes(data)
    try:
        image = read_image(path)
    except ValueError as e:
        _one_line_naming(e, path)
    else:
        assert image.dtype == np.uint8 and image.shape[0] * image.shape[1] <= MAX_IMAGE_PIXELS


def _video_seed() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "seed.avi"
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
        for i in range(3):
            writer.write(np.full((24, 32, 3), 40 * i, np.uint8))
        writer.release()
        return path.read_bytes()


@settings(FUZZ, max_examples=15)
@given(data=st.one_of(st.binary(max_size=1024), mutated(_video_seed(), 16)))
def test_videos(tmp_path_factory, data):
    from emocam.cli.analyze import open_video

    path = tmp_path_factory.mktemp("vid") / "fuzz.avi"
    path.write_bytes(data)
    try:
        cap, info, first = open_video(path)
    except (ValueError, OSError) as e:
        _one_line_naming(e, path)
    else:
        cap.release()
        assert first.shape[0] * first.shape[1] <= 4096 * 2304


def _npz_seed() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, x=np.zeros((3, 48, 48), np.uint8), y=np.array([0, 3, 6]))
    return buf.getvalue()


CSV_SEED = ("emotion,pixels,Usage\n" + "3," + " ".join(["128"] * 2304) + ",Training\n").encode()


@settings(FUZZ, max_examples=40)
@given(kind=st.sampled_from(["npz", "csv"]), data=st.data())
def test_training_data_through_the_cli(tmp_path_factory, capsys, kind, data, tiny_models):
    seed = _npz_seed() if kind == "npz" else CSV_SEED
    raw = data.draw(st.one_of(st.binary(max_size=1024), mutated(seed)))
    path = tmp_path_factory.mktemp("data") / f"fuzz.{kind}"
    path.write_bytes(raw)
    from emocam.training.data import load

    try:
        dataset = load(path, "train")
    except ValueError as e:
        _one_line_naming(e, path)
        capsys.readouterr()
        # the same bytes through the CLI: exit 2 and one line (data is read before any model)
        assert main(["evaluate", "--data", str(path), "--weights", str(tiny_models["tflite48"])]) == 2
        err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
        assert len(err) == 1 and err[0].startswith("emocam evaluate: error:"), err
    else:
        assert dataset.x.shape[1:] == (48, 48) and dataset.x.dtype == np.uint8


@settings(FUZZ, max_examples=15)
@given(files=st.lists(st.tuples(st.sampled_from(["angry", "happy", "nonsense"]), any_image), min_size=1, max_size=3))
def test_image_folders(tmp_path_factory, files):
    from emocam.training.data import load_folder

    root = tmp_path_factory.mktemp("folder")
    for i, (label, data) in enumerate(files):
        (root / label).mkdir(exist_ok=True)
        (root / label / f"{i}.png").write_bytes(data)
    try:
        dataset = load_folder(root)
    except ValueError as e:
        assert str(root) in str(e) and "\n" not in str(e)
    else:
        assert len(dataset) <= len(files)


@pytest.fixture(scope="module")
def model_seeds(tiny_models) -> dict[str, bytes]:
    """Small real models of each format (tiny layers keep the seeds, and each check, small)."""
    return {".tflite": tiny_models["tflite48"].read_bytes(), ".keras": _keras_config_only(tiny_models["keras48"]),
            ".h5": tiny_models["h5_64"].read_bytes()[:8192]}


def _keras_config_only(path: Path) -> bytes:
    """The .keras archive's config and metadata (mutations land in what the allow-list reads)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as dst:
        for name in ("metadata.json", "config.json"):
            dst.writestr(name, src.read(name))
    return buf.getvalue()


@settings(FUZZ, max_examples=12)
@given(ext=st.sampled_from([".tflite", ".keras", ".h5"]), data=st.data())
def test_model_files_are_refused_by_the_child_or_loaded(tmp_path_factory, model_seeds, ext, data):
    """Random and mutated model files: the checking child refuses them (or crashes, which the parent
    reports); the test process never parses them itself."""
    from emocam.errors import ModelError
    from emocam.models.probe import open_model

    raw = data.draw(st.one_of(st.binary(min_size=1, max_size=512), mutated(model_seeds[ext], 4)))
    path = tmp_path_factory.mktemp("model") / f"fuzz{ext}"
    path.write_bytes(raw)
    try:
        classifier = open_model(path)
    except ModelError as e:
        _one_line_naming(e, path)
    else:
        assert classifier.spec.height in range(32, 97)

