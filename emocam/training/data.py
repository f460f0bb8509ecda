"""FER2013 loaders for three formats: our npz (``x``, ``y``), the original ``fer2013.csv``
(``emotion,pixels,Usage``) and image folders (``<split>/<class>/*.png|jpg``).

Every loader returns a :class:`Dataset` of uint8 ``[N, 48, 48]`` faces and labels in FER2013 order.
Bad input raises :class:`DataError` naming the file and the problem.
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from emocam.emotions import NAMES, NUM_CLASSES
from emocam.fileio import check_regular_file, is_regular_file
from emocam.limits import MAX_DATA_BYTES

log = logging.getLogger(__name__)

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
    if not is_regular_file(p):
        raise DataError(f"{p}: is not a regular file or folder (a pipe or device?); give an .npz, .csv or folder")
    if p.suffix.lower() == ".npz":
        return load_npz(p)
    if p.suffix.lower() == ".csv":
        return load_csv(p, split)
    raise DataError(f"{p}: unknown data format {p.suffix!r}; expected .npz, .csv or an image folder")


def load_npz(path: Path) -> Dataset:
    """Arrays ``x`` (faces) and ``y`` (labels), optional ``ferplus_votes``. Member sizes are checked
    from the zip directory before anything is unpacked (:data:`MAX_DATA_BYTES`)."""
    _regular(path, "npz file")
    _check_npz_archive(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in ("x", "y") if k not in f.files]
            if missing:
                raise DataError(f"{path}: missing array(s) {', '.join(missing)}; found {', '.join(f.files) or 'none'}")
            votes = f["ferplus_votes"] if "ferplus_votes" in f.files else None
            x, y = f["x"], f["y"]
        if x.ndim == 2 and x.shape[1] == IMAGE_SIDE * IMAGE_SIDE:
            x = x.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)
        x, y = np.ascontiguousarray(x, dtype=np.uint8), np.asarray(y).astype(np.int64).ravel()
        votes = None if votes is None else np.asarray(votes, np.float32)
    except DataError:
        raise
    except Exception as e:  # zipfile/pickle/OS/dtype errors all mean the same thing to the user
        raise DataError(f"{path}: not a readable npz file ({_first_line(e)})") from e
    if votes is not None and votes.shape != (len(y), 10):
        raise DataError(f"{path}: ferplus_votes must be [N,10], got {list(votes.shape)}")
    return Dataset(x, y, str(path), votes)


def _check_npz_archive(path: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except zipfile.BadZipFile:
        with open(path, "rb") as fh:
            magic = fh.read(6)
        if magic == b"\x93NUMPY":
            raise DataError(f"{path}: is a single .npy array, not an .npz archive; save the data with "
                            "np.savez(path, x=faces, y=labels)") from None
        raise DataError(f"{path}: not a readable npz file (not a zip archive); is it truncated or another format?") from None
    except OSError as e:
        raise DataError(f"{path}: cannot read the npz file ({e.strerror or e})") from e
    if total > MAX_DATA_BYTES:
        raise DataError(f"{path}: unpacks to {total >> 20} MB, more than the {MAX_DATA_BYTES >> 20} MB "
                        "limit for training data (FER2013 is about 110 MB); refusing it")


def _regular(path: Path, what: str) -> Path:
    try:
        return check_regular_file(path, what)
    except ValueError as e:
        raise DataError(str(e)) from e


def _first_line(e: Exception) -> str:
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return lines[0] if lines else type(e).__name__


def load_csv(path: Path, split: str = "train") -> Dataset:
    usage = _CSV_USAGE.get(split, split)
    xs, ys = [], []
    size = _regular(path, "CSV file").stat().st_size
    if size > MAX_DATA_BYTES:
        raise DataError(f"{path}: {size >> 20} MB is more than the {MAX_DATA_BYTES >> 20} MB limit for "
                        "training data (fer2013.csv is about 290 MB); refusing it")
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
        raise DataError(f"{path}: cannot read CSV ({_first_line(e)})") from e
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

    from emocam.live.media import read_image

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
            if not is_regular_file(f):  # a FIFO named b.png would block the read forever
                log.warning("%s: not a regular file; skipped", f)
                continue
            try:
                img = read_image(f, "gray")
            except ValueError as e:
                raise DataError(str(e)) from e
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
    files = sorted(q for q in p.rglob("*") if is_regular_file(q)) if p.is_dir() else [check_regular_file(p)]
    for f in files:
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()
