"""More pinned fileio behaviour: all-or-none publishing, errors named once, fsync before rename and of
the folder after it, no descriptor leaks, and the mode of new files (literal values)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from emocam import fileio
from emocam.errors import FileRefused, WriteError


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_new_files_never_get_execute_bits_and_follow_the_umask_when_proc_cannot_tell(monkeypatch):
    assert fileio.FILE_MODE & 0o111 == 0 and fileio.FILE_MODE & 0o600 == 0o600
    real_open = open

    def no_proc(path, *a, **k):
        if str(path) == "/proc/self/status":
            raise OSError("no /proc here")
        return real_open(path, *a, **k)

    monkeypatch.setattr("builtins.open", no_proc)
    assert fileio.file_mode() == fileio.FILE_MODE


def test_a_folder_among_the_targets_refuses_all_before_any_is_replaced(tmp_path):
    first, folder = tmp_path / "model.keras", tmp_path / "card.json"
    first.write_bytes(b"old model")
    folder.mkdir()
    with pytest.raises(WriteError, match="card.json"):
        fileio.publish_together({first: b"new model", folder: b"{}"})
    assert first.read_bytes() == b"old model"  # all or none: the first file was not replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", "model.keras"]  # no temp left


def test_a_write_error_is_named_once_not_wrapped_twice(tmp_path, monkeypatch):
    import errno

    target = tmp_path / "model.keras"

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)  # a full disk shows at the latest when the data is flushed
    with pytest.raises(WriteError) as err:
        fileio.publish_together({target: b"x" * 10})
    assert str(err.value) == (f"{target}: not saved (No space left on device); the previous file, if any, is "
                              "unchanged — free some space or choose another folder")
    assert not isinstance(err.value.__cause__, WriteError)


def _record_syncs(monkeypatch) -> list[tuple[str, str]]:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", "folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file"))
        return real_fsync(fd)

    def replace(src, dst, **kw):
        events.append(("replace", Path(dst).name))
        return real_replace(src, dst, **kw)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def test_atomic_path_fsyncs_the_file_then_renames_then_fsyncs_the_folder(tmp_path, monkeypatch):
    events = _record_syncs(monkeypatch)
    with fileio.atomic_path(tmp_path / "plot.png") as tmp:
        tmp.write_bytes(b"png")
    assert events == [("fsync", "file"), ("replace", "plot.png"), ("fsync", "folder")]
    assert (tmp_path / "plot.png").read_bytes() == b"png"


def test_write_new_fsyncs_the_folder_after_the_file_gets_its_name(tmp_path, monkeypatch):
    events = _record_syncs(monkeypatch)
    fileio.write_new(tmp_path / "snap.png", b"png")
    assert events[-1] == ("fsync", "folder")
    assert ("fsync", "file") in events[:-1]


def test_atomic_path_onto_a_folder_is_a_write_error_and_leaves_nothing(tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    with pytest.raises(WriteError, match="taken"):
        with fileio.atomic_path(folder) as tmp:
            tmp.write_bytes(b"data")
    assert folder.is_dir() and [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_atomic_path_leaks_no_descriptor(tmp_path):
    before = _open_fds()
    for i in range(5):
        with fileio.atomic_path(tmp_path / f"f{i}.bin") as tmp:
            tmp.write_bytes(b"x")
    assert _open_fds() == before


def test_refusing_a_folder_leaks_no_descriptor(tmp_path):
    before = _open_fds()
    for _ in range(5):
        with pytest.raises(FileRefused, match="is a folder, not a regular file"):
            fileio.read_regular(tmp_path, 100, "model file")
    assert _open_fds() == before


def test_a_regular_file_that_cannot_be_read_is_refused_with_the_reason():
    # /proc/self/mem is a regular file whose first page is not mapped: reading it fails with EIO
    with pytest.raises(FileRefused, match=r"/proc/self/mem: cannot read the model file \(Input/output error\)"):
        fileio.read_regular("/proc/self/mem", 100, "model file")


def test_an_image_that_cannot_be_encoded_is_an_error_naming_the_target(monkeypatch, tmp_path):
    import cv2
    import numpy as np

    monkeypatch.setattr(cv2, "imencode", lambda *a, **k: (False, None))
    with pytest.raises(OSError, match=r"snap.png: could not encode the image as PNG"):
        fileio.encode_png(np.zeros((4, 4, 3), np.uint8), tmp_path / "snap.png")
