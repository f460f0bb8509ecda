"""FER2013 loaders for three formats: our npz (``x``, ``y``), the original ``fer2013.csv``
(``emotion,pixels,Usage``) and image folders (``<split>/<class>/*.png|jpg``).

Every loader returns a :class:`Dataset` of uint8 ``[N, 48, 48]`` faces and labels in FER2013 order.
Bad input raises :class:`DataError` naming the file and the problem.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emocam.emotions import NAMES, NUM_CLASSES

IMAGE_SIDE = 48
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
# FER+ vote columns -> FER2013 index (contempt, unknown and not-a-face are dropped)
_FERPLUS_TO_FER = {0: 6, 1: 3, 2: 5, 3: 4, 4: 0, 5: 1, 6: 2}
_CSV_USAGE = {"train": "Training", "val": "PublicTest", "test": "PrivateTest"}


class DataError(ValueError):
    """A data file or folder that cannot be used, with the path and the reason."""


@dataclass(frozen=True)
class Dataset:
    """Faces ``x`` (uint8 [N,48,48]), labels ``y`` (int [N]) and optional FER+ votes [N,10]."""

    x: np.ndarray
    y: np.ndarray
    source: str
    votes: np.ndarray | None = None

    def __post_init__(self):
        if self.x.ndim != 3 or self.x.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
            raise DataError(f"{self.source}: x must be [N,48,48], got {list(self.x.shape)}")
        if len(self.y) != len(self.x):
            raise DataError(f"{self.source}: {len(self.x)} images but {len(self.y)} labels")
        if len(self.y) and (self.y.min() < 0 or self.y.max() >= NUM_CLASSES):
            raise DataError(f"{self.source}: labels must be 0..{NUM_CLASSES - 1}, "
                            f"found {int(self.y.min())}..{int(self.y.max())}")

    def __len__(self) -> int:
        return len(self.y)

    def soft_targets(self, ferplus_weight: float) -> np.ndarray:
        """One-hot FER2013 labels mixed with normalised FER+ votes (where votes exist)."""
        onehot = np.eye(NUM_CLASSES, dtype=np.float32)[self.y]
        if self.votes is None or ferplus_weight <= 0:
            return onehot
        mapped = np.zeros_like(onehot)
        for col, idx in _FERPLUS_TO_FER.items():
            mapped[:, idx] = self.votes[:, col]
        total = mapped.sum(axis=1, keepdims=True)
        has_votes = total[:, 0] > 0
        mapped[has_votes] /= total[has_votes]
        out = onehot.copy()
        out[has_votes] = (1 - ferplus_weight) * onehot[has_votes] + ferplus_weight * mapped[has_votes]
        return out


def load(path: str | Path, split: str = "train") -> Dataset:
    """Load FER2013 from an ``.npz`` file, a ``.csv`` file or an image-folder tree."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: no such file or folder")
    if p.is_dir():
        return load_folder(p, split)
    if p.suffix.lower() == ".npz":
        return load_npz(p)
    if p.suffix.lower() == ".csv":
        return load_csv(p, split)
    raise DataError(f"{p}: unknown data format {p.suffix!r}; expected .npz, .csv or an image folder")


def load_npz(path: Path) -> Dataset:
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("x", "y") if k not in f.files]
            if missing:
                raise DataError(f"{path}: missing array(s) {', '.join(missing)}; found {', '.join(f.files) or 'none'}")
            votes = f["ferplus_votes"] if "ferplus_votes" in f.files else None
            x, y = f["x"], f["y"]
    except DataError:
        raise
    except Exception as e:  # zipfile/pickle/OS errors all mean the same thing to the user
        raise DataError(f"{path}: not a readable npz file ({e})") from e
    if x.ndim == 2 and x.shape[1] == IMAGE_SIDE * IMAGE_SIDE:
        x = x.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
    return Dataset(np.ascontiguousarray(x, dtype=np.uint8), y.astype(np.int64), str(path), votes)


def load_csv(path: Path, split: str = "train") -> Dataset:
    usage = _CSV_USAGE.get(split, split)
    xs, ys = [], []
    try:
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            need = {"emotion", "pixels"}
            if reader.fieldnames is None or not need <= set(reader.fieldnames):
                raise DataError(f"{path}: expected columns emotion,pixels[,Usage], found {reader.fieldnames}")
            has_usage = "Usage" in reader.fieldnames
            for line, row in enumerate(reader, start=2):
                if has_usage and row["Usage"] != usage:
                    continue
                xs.append(_parse_pixels(row["pixels"], path, line))
                ys.append(_parse_label(row["emotion"], path, line))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise DataError(f"{path}: cannot read CSV ({e})") from e
    if not ys:
        raise DataError(f"{path}: no rows with Usage={usage!r}")
    return Dataset(np.stack(xs), np.array(ys, dtype=np.int64), str(path))


def _parse_pixels(text: str, path: Path, line: int) -> np.ndarray:
    try:
        values = np.array(text.split(), dtype=np.int64)
    except ValueError as e:
        raise DataError(f"{path}:{line}: pixels are not integers") from e
    if values.size != IMAGE_SIDE * IMAGE_SIDE:
        raise DataError(f"{path}:{line}: expected {IMAGE_SIDE * IMAGE_SIDE} pixels, got {values.size}")
    if values.min() < 0 or values.max() > 255:
        raise DataError(f"{path}:{line}: pixel values must be 0..255")
    return values.astype(np.uint8).reshape(IMAGE_SIDE, IMAGE_SIDE)


def _parse_label(text: str, path: Path, line: int) -> int:
    try:
        label = int(text)
    except ValueError as e:
        raise DataError(f"{path}:{line}: emotion {text!r} is not an integer") from e
    if not 0 <= label < NUM_CLASSES:
        raise DataError(f"{path}:{line}: emotion {label} is not in 0..{NUM_CLASSES - 1}")
    return label


def load_folder(root: Path, split: str = "train") -> Dataset:
    """``root/<split>/<class>/*.png`` or ``root/<class>/*.png``; class folders by emotion name."""
    import cv2

    base = root / split if (root / split).is_dir() else root
    lower = [n.lower() for n in NAMES]
    xs, ys = [], []
    for folder in sorted(p for p in base.iterdir() if p.is_dir()):
        if folder.name.lower() not in lower:
            raise DataError(f"{folder}: unknown class folder; expected one of {', '.join(lower)}")
        label = lower.index(folder.name.lower())
        for f in sorted(folder.iterdir()):
            if f.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            img = cv2.imread(str(f), cv2.IMREAD_GRAYSCALE)
            if img is None:
                raise DataError(f"{f}: not a readable image")
            if img.shape != (IMAGE_SIDE, IMAGE_SIDE):
                img = cv2.resize(img, (IMAGE_SIDE, IMAGE_SIDE), interpolation=cv2.INTER_AREA)
            xs.append(img)
            ys.append(label)
    if not ys:
        raise DataError(f"{base}: no images found in class folders ({', '.join(lower)})")
    return Dataset(np.stack(xs), np.array(ys, dtype=np.int64), str(base))


def sha256(path: str | Path) -> str:
    """Checksum of a data file (folders: of the sorted file list and contents)."""
    h = hashlib.sha256()
    p = Path(path)
    files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    for f in files:
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()
