"""Snapshots: unique names, atomic PNG writes (a complete file or none), mirroring, round trips."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.errors import WriteError
from emocam.session.snapshots import save_png_atomic, save_snapshot, unique_path
from tests.emocam import media
from tests.emocam.readonly import read_only

NOW = datetime(2024, 5, 6, 7, 8, 9, 123456)


def picture() -> np.ndarray:
    """An RGB image whose left half is red and right half blue, with a gradient for good measure."""
    rgb = np.zeros((24, 32, 3), np.uint8)
    rgb[:, :16] = (255, 0, 0)
    rgb[:, 16:] = (0, 0, 255)
    rgb[:, :, 1] = np.arange(32, dtype=np.uint8)[None, :] * 8
    return rgb


def read_rgb(path: Path) -> np.ndarray:
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    assert bgr is not None, f"{path}: not a readable image"
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def test_unique_path_is_timestamped(tmp_path):
    assert unique_path(tmp_path, now=NOW) == tmp_path / "emocam-20240506-070809-123.png"
    assert unique_path(tmp_path, "avatar", ".jpg", NOW).name == "avatar-20240506-070809-123.jpg"


@pytest.mark.parametrize("taken, expected", [
    (0, "emocam-20240506-070809-123.png"),
    (1, "emocam-20240506-070809-123-2.png"),
    (3, "emocam-20240506-070809-123-4.png"),
])
def test_unique_path_skips_taken_names(tmp_path, taken, expected):
    names = []
    for _ in range(taken):
        path = unique_path(tmp_path, now=NOW)
        path.write_bytes(b"x")
        names.append(path.name)
    assert len(set(names)) == taken
    assert unique_path(tmp_path, now=NOW).name == expected


def test_saving_twice_to_the_same_name_keeps_both(tmp_path):
    target = tmp_path / "shot.png"
    first = save_png_atomic(picture(), target)
    second = save_png_atomic(picture()[::-1], target)
    assert first == target and second != target and second.parent == tmp_path
    np.testing.assert_array_equal(read_rgb(first), picture())
    np.testing.assert_array_equal(read_rgb(second), picture()[::-1])


def test_snapshots_taken_quickly_get_distinct_files(tmp_path):
    paths = [save_snapshot(picture(), tmp_path) for _ in range(4)]
    assert len(set(paths)) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_saved_png_round_trips(tmp_path):
    rgb = media.face_crop()
    path = save_snapshot(rgb, tmp_path)
    assert path.suffix == ".png" and path.parent == tmp_path
    np.testing.assert_array_equal(read_rgb(path), rgb)


def test_no_temporary_files_are_left_after_success(tmp_path):
    path = save_snapshot(picture(), tmp_path)
    assert list(tmp_path.iterdir()) == [path]


def test_mirror_flips_horizontally(tmp_path):
    rgb = picture()
    saved = read_rgb(save_snapshot(rgb, tmp_path, mirror=True))
    np.testing.assert_array_equal(saved, rgb[:, ::-1])
    assert tuple(saved[0, 0]) == (0, 248, 255)  # the blue half (with the top of the gradient) is now left


def test_missing_folders_are_created(tmp_path):
    folder = tmp_path / "a" / "b"
    path = save_snapshot(picture(), folder)
    assert path.parent == folder and path.is_file()


def test_non_ascii_folder_names_work(tmp_path):
    folder = tmp_path / "Schnappschüsse 表情 😀"
    path = save_snapshot(picture(), folder)
    assert path.is_file() and path.parent == folder
    np.testing.assert_array_equal(read_rgb(path), picture())


def test_read_only_folder_raises_and_leaves_nothing(tmp_path):
    """Runs as root too (CI): the folder is made read-only by a read-only bind mount or chattr +i,
    which bind root as well; chmod alone would not."""
    folder = tmp_path / "locked"
    folder.mkdir()
    earlier = save_snapshot(picture(), folder)
    with read_only(folder) as how:
        with pytest.raises(WriteError) as failed:
            save_snapshot(picture()[::-1], folder)
        assert str(failed.value).startswith(f"{folder}{os.sep}emocam-") and "not saved" in str(failed.value), how
        assert list(folder.iterdir()) == [earlier], how
    np.testing.assert_array_equal(read_rgb(earlier), picture())


@pytest.mark.parametrize("failing", ["fsync", "link"])
def test_a_failed_write_leaves_no_partial_file(tmp_path, monkeypatch, failing):
    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, boom)  # wherever the writing code lives, it goes through os
    with pytest.raises(OSError, match="No space left"):
        save_snapshot(picture(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_overwriting_write_that_fails_keeps_the_old_file(tmp_path, monkeypatch):
    from emocam.fileio import atomic_write_bytes

    target = atomic_write_bytes(tmp_path / "cache.bin", b"old")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space left"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old" and list(tmp_path.iterdir()) == [target]


def test_without_hard_links_the_name_is_reserved_and_a_failure_leaves_nothing(tmp_path, monkeypatch):
    import errno

    def no_links(*args, **kwargs):
        raise OSError(errno.EPERM, "hard links not supported")

    monkeypatch.setattr(os, "link", no_links)
    first = save_snapshot(picture(), tmp_path)
    assert first.is_file() and cv2.imread(str(first)) is not None

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="No space left"):
        save_snapshot(picture(), tmp_path)
    assert list(tmp_path.iterdir()) == [first]


def test_concurrent_saves_to_one_name_keep_every_image(tmp_path):
    import threading

    from emocam.session.snapshots import save_png_atomic

    target = tmp_path / "same.png"
    images = [np.full((8, 8, 3), i, np.uint8) for i in range(12)]
    threads = [threading.Thread(target=save_png_atomic, args=(img, target)) for img in images]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = sorted(tmp_path.glob("*.png"))
    assert len(saved) == 12
    values = sorted(int(cv2.imread(str(p))[0, 0, 0]) for p in saved)
    assert values == list(range(12))
    assert not [p for p in tmp_path.iterdir() if p.suffix != ".png"]
