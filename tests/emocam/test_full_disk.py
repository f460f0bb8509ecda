"""A full disk never destroys a file: the old file stays as it was, no partial file is left, and the
message names the file. A real small tmpfs is filled to the last byte (we run as root in CI); where
mounting is not allowed, the RLIMIT_FSIZE test below covers the one writer every save goes through."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from emocam.__main__ import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_disk(tmp_path) -> Path:
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); "
                    "test_a_file_size_limit_keeps_the_old_file covers the writer with RLIMIT_FSIZE")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> None:
    """Use up every byte left on ``disk``."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        for size in (1 << 16, 4096, 1):
            try:
                while os.write(fd, b"\0" * size):
                    pass
            except OSError as e:
                assert e.errno == errno.ENOSPC
    finally:
        os.close(fd)


def _old_files(disk: Path, names) -> dict[Path, bytes]:
    files = {disk / name: f"old {name}".encode() for name in names}
    for path, data in files.items():
        path.write_bytes(data)
    return files


def _assert_untouched(disk: Path, old: dict[Path, bytes]) -> None:
    assert {p: p.read_bytes() for p in old} == old
    assert sorted(p.name for p in disk.iterdir()) == sorted(["filler", *(p.name for p in old)])  # no partial file


def _rows():
    from emocam.session.recording import FaceRow

    return [FaceRow(0.5 * i, i, 1, 0, 0, 10, 10, "Happy", (0.1,) * 7) for i in range(50)]


def _snapshot(disk):
    from emocam.session.snapshots import save_snapshot
    save_snapshot(np.zeros((64, 64, 3), np.uint8), disk)


def _report(disk):
    from emocam.training.evaluate import metrics, write_report
    write_report({"model": "m.tflite", "data": "d.npz", **metrics(np.array([0, 1]), np.array([0, 1]))}, disk)


def _csv(disk):
    from emocam.session.recording import write_csv
    write_csv(_rows(), disk / "session.csv")


def _json(disk):
    from emocam.session.recording import write_json
    write_json(_rows(), disk / "session.json")


WRITERS = {
    "snapshot": (_snapshot, [], ".png"),
    "evaluate report": (_report, ["metrics.json"], "metrics.json"),
    "recording csv": (_csv, ["session.csv"], "session.csv"),
    "recording json": (_json, ["session.json"], "session.json"),
}


@pytest.mark.parametrize("write, names, named", WRITERS.values(), ids=WRITERS.keys())
def test_a_full_disk_keeps_the_old_file_and_names_the_new_one(write, names, named, small_disk):
    old = _old_files(small_disk, names)
    fill(small_disk)
    with pytest.raises(OSError if names != ["metrics.json"] else ValueError) as failed:
        write(small_disk)
    message = str(failed.value)
    assert str(small_disk) in message and named in message and "No space left on device" in message
    assert "\n" not in message
    _assert_untouched(small_disk, old)


def test_export_on_a_full_disk_keeps_the_old_model_set(small_disk, model_file, monkeypatch, capsys):
    monkeypatch.setenv("EMOCAM_CACHE_DIR", str(model_file.cache_dir))  # the member's check needs no TensorFlow
    old = _old_files(small_disk, ["model.keras", "model.tflite", "model.card.json"])
    fill(small_disk)
    assert main(["export", "--weights", str(model_file.path), "--out", str(small_disk / "model.keras")]) == 2
    (line,) = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert line.startswith(f"emocam export: error: {small_disk}/model.") and "No space left on device" in line
    _assert_untouched(small_disk, old)


def test_a_file_size_limit_keeps_the_old_file(tmp_path):
    """The same promise under ``ulimit -f`` (RLIMIT_FSIZE), in a child: works without mounting."""
    target = tmp_path / "session.csv"
    target.write_text("old rows")
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "from emocam.fileio import atomic_write_bytes\n"
        "try:\n"
        f"    atomic_write_bytes(__import__('pathlib').Path({str(target)!r}), b'x' * 100_000)\n"
        "except OSError as e:\n"
        "    print(e)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.startswith(f"{target}: not saved (File too large)"), done.stdout + done.stderr
    assert target.read_text() == "old rows" and [p.name for p in tmp_path.iterdir()] == ["session.csv"]
