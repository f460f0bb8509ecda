"""FER2013 loaders: npz, csv and image folders, good files and each kind of bad one."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam.training import data as fer
from emocam.training.data import DataError

PIXELS = " ".join(["128"] * 2304)


def _face(value: int, side: int = 48) -> np.ndarray:
    return np.full((side, side), value, np.uint8)


def _write_csv(path: Path, rows: list[str], header: str = "emotion,pixels,Usage") -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def _write_image(path: Path, img: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), img)


# --- npz ---------------------------------------------------------------------------------------

def test_npz_loads_faces_labels_and_votes(tmp_path):
    path = tmp_path / "ok.npz"
    votes = np.zeros((3, 10), np.uint8)
    np.savez(path, x=np.stack([_face(v) for v in (0, 100, 255)]), y=np.array([0, 3, 6], np.uint8),
             ferplus_votes=votes)
    ds = fer.load(path)
    assert (len(ds), ds.x.shape, ds.x.dtype) == (3, (3, 48, 48), np.uint8)
    assert ds.y.tolist() == [0, 3, 6]
    assert ds.x[2, 0, 0] == 255 and ds.votes is not None and ds.source == str(path)


def test_npz_with_flat_rows_is_reshaped(tmp_path):
    path = tmp_path / "flat.npz"
    np.savez(path, x=np.arange(2 * 2304).reshape(2, 2304) % 256, y=np.array([1, 2]))
    ds = fer.load(path)
    assert ds.x.shape == (2, 48, 48) and ds.x[0, 1, 0] == 48 and ds.votes is None


def _npz_without_y(tmp_path: Path) -> Path:
    np.savez(tmp_path / "no_y.npz", x=np.zeros((2, 48, 48), np.uint8))
    return tmp_path / "no_y.npz"


def _npz_corrupt(tmp_path: Path) -> Path:
    (tmp_path / "corrupt.npz").write_bytes(b"PK\x03\x04 this is not really a zip archive")
    return tmp_path / "corrupt.npz"


def _npz_bad_label(tmp_path: Path) -> Path:
    np.savez(tmp_path / "label7.npz", x=np.zeros((2, 48, 48), np.uint8), y=np.array([0, 7]))
    return tmp_path / "label7.npz"


def _npz_wrong_size(tmp_path: Path) -> Path:
    np.savez(tmp_path / "small.npz", x=np.zeros((2, 32, 32), np.uint8), y=np.array([0, 1]))
    return tmp_path / "small.npz"


@pytest.mark.parametrize("make, problem", [
    (_npz_without_y, "missing array(s) y; found x"),
    (_npz_corrupt, "not a readable npz file"),
    (_npz_bad_label, "labels must be 0..6, found 0..7"),
    (_npz_wrong_size, "x must be [N,48,48], got [2, 32, 32]"),
])
def test_bad_npz_names_file_and_problem(tmp_path, make, problem):
    path = make(tmp_path)
    with pytest.raises(DataError) as err:
        fer.load(path)
    assert str(path) in str(err.value) and problem in str(err.value)


# --- csv ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("split, labels", [("train", [0, 1]), ("val", [3]), ("test", [6])])
def test_csv_keeps_only_the_rows_of_the_split(tmp_path, split, labels):
    dark = " ".join(["0"] * 2304)
    path = _write_csv(tmp_path / "fer.csv", [f"0,{PIXELS},Training", f"1,{dark},Training",
                                             f"3,{PIXELS},PublicTest", f"6,{dark},PrivateTest"])
    ds = fer.load(path, split)
    assert ds.y.tolist() == labels and ds.x.shape == (len(labels), 48, 48)


def test_csv_without_usage_column_keeps_every_row(tmp_path):
    path = _write_csv(tmp_path / "two.csv", [f"2,{PIXELS}", f"5,{PIXELS}"], header="emotion,pixels")
    ds = fer.load(path, "val")
    assert ds.y.tolist() == [2, 5] and int(ds.x[1, 47, 47]) == 128


@pytest.mark.parametrize("header, rows, split, problem", [
    ("label,image,Usage", [f"0,{PIXELS},Training"], "train", "expected columns emotion,pixels"),
    ("emotion,pixels,Usage", ["0,1 2 3,Training"], "train", ":2: expected 2304 pixels, got 3"),
    ("emotion,pixels,Usage", [f"0,{PIXELS},Training", "1,1 a 3,Training"], "train",
     ":3: pixels are not integers"),
    ("emotion,pixels,Usage", [f"happy,{PIXELS},Training"], "train", ":2: emotion 'happy' is not an integer"),
    ("emotion,pixels,Usage", [f"9,{PIXELS},Training"], "train", ":2: emotion 9 is not in 0..6"),
    ("emotion,pixels,Usage", [f"0,{PIXELS.replace('128', '300', 1)},Training"], "train",
     ":2: pixel values must be 0..255"),
    ("emotion,pixels,Usage", [f"0,{PIXELS},Training"], "test", "no rows with Usage='PrivateTest'"),
])
def test_bad_csv_names_file_and_problem(tmp_path, header, rows, split, problem):
    path = _write_csv(tmp_path / "bad.csv", rows, header)
    with pytest.raises(DataError) as err:
        fer.load(path, split)
    assert str(path) in str(err.value) and problem in str(err.value)


# --- image folders -----------------------------------------------------------------------------

def test_folder_with_split_reads_class_folders_case_insensitively(tmp_path):
    _write_image(tmp_path / "val" / "happy" / "a.png", _face(200))
    _write_image(tmp_path / "val" / "Sad" / "b.png", _face(50, side=64))  # resized to 48
    _write_image(tmp_path / "train" / "angry" / "c.png", _face(10))
    (tmp_path / "val" / "happy" / "notes.txt").write_text("not an image, ignored")
    ds = fer.load(tmp_path, "val")
    assert sorted(ds.y.tolist()) == [3, 4] and ds.x.shape == (2, 48, 48)
    by_label = {int(label): face for label, face in zip(ds.y, ds.x)}
    assert by_label[3].min() == 200 and by_label[4].max() == 50


def test_folder_without_split_folder_uses_the_root(tmp_path):
    _write_image(tmp_path / "Neutral" / "a.jpg", _face(90))
    assert fer.load(tmp_path, "val").y.tolist() == [6]


def _folder_unknown_class(root: Path) -> Path:
    _write_image(root / "val" / "happy" / "a.png", _face(1))
    _write_image(root / "val" / "contempt" / "b.png", _face(1))
    return root / "val" / "contempt"


def _folder_unreadable_image(root: Path) -> Path:
    _write_image(root / "val" / "fear" / "a.png", _face(1))
    (root / "val" / "fear" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    return root / "val" / "fear" / "broken.png"


def _folder_empty(root: Path) -> Path:
    (root / "val" / "happy").mkdir(parents=True)
    return root / "val"


@pytest.mark.parametrize("make, problem", [
    (_folder_unknown_class, "unknown class folder; expected one of angry, disgust"),
    (_folder_unreadable_image, "not a readable image"),
    (_folder_empty, "no images found in class folders"),
])
def test_bad_folder_names_path_and_problem(tmp_path, make, problem):
    named = make(tmp_path)
    with pytest.raises(DataError) as err:
        fer.load(tmp_path, "val")
    assert str(named) in str(err.value) and problem in str(err.value)


@pytest.mark.parametrize("name, problem", [
    ("missing.npz", "no such file or folder"),
    ("faces.txt", "unknown data format '.txt'; expected .npz, .csv or an image folder"),
])
def test_load_refuses_missing_or_unknown_paths(tmp_path, name, problem):
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("x")
    with pytest.raises(DataError) as err:
        fer.load(path)
    assert str(path) in str(err.value) and problem in str(err.value)


# --- FER+ soft targets -------------------------------------------------------------------------

def _dataset_with_votes() -> fer.Dataset:
    votes = np.zeros((3, 10), np.uint8)
    votes[0, [0, 1]] = 5          # neutral 5, happiness 5
    votes[1, 9] = 10              # all "not a face": no usable votes
    votes[2, [4, 7]] = [6, 4]     # anger 6, contempt 4 (contempt is dropped)
    return fer.Dataset(np.zeros((3, 48, 48), np.uint8), np.array([3, 4, 2]), "mem", votes)


def test_soft_targets_mix_normalised_ferplus_votes():
    t = _dataset_with_votes().soft_targets(0.5)
    np.testing.assert_allclose(t.sum(axis=1), 1.0, rtol=1e-6)
    assert t[0, 3] == pytest.approx(0.75) and t[0, 6] == pytest.approx(0.25)
    np.testing.assert_array_equal(t[1], np.eye(7)[4])  # no votes: stays one-hot
    assert t[2, 2] == pytest.approx(0.5) and t[2, 0] == pytest.approx(0.5)


@pytest.mark.parametrize("weight", [0.0, -1.0])
def test_soft_targets_without_weight_are_one_hot(weight):
    np.testing.assert_array_equal(_dataset_with_votes().soft_targets(weight), np.eye(7)[[3, 4, 2]])


def test_soft_targets_without_votes_are_one_hot():
    ds = fer.Dataset(np.zeros((2, 48, 48), np.uint8), np.array([0, 5]), "mem")
    np.testing.assert_array_equal(ds.soft_targets(0.7), np.eye(7)[[0, 5]])
