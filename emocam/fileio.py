"""Atomic file writes, the one implementation: the target is either the complete new file or
untouched, and no temp file is left behind on any error."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import Iterator

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import
FILE_MODE = 0o666 & ~_UMASK  # what open() would give; mkstemp's temp files are a private 0600
_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


@contextlib.contextmanager
def atomic_file(path: str | Path, binary: bool = False, newline: str | None = None,
                overwrite: bool = True) -> Iterator:
    """A file handle (text, or bytes when ``binary``) on a temp file beside ``path``, fsynced and
    moved onto ``path`` when the block ends without error, deleted otherwise. With
    ``overwrite=False`` an existing ``path`` is never replaced: FileExistsError instead (safe
    against another writer choosing the same name at the same moment)."""
    target = Path(path)
    if target.is_dir():
        raise IsADirectoryError(f"{target}: is a folder; give a file name")
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{target}: folder {target.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        opened = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline=newline)
        with opened as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        if overwrite:
            os.replace(tmp, target)
        else:
            _publish_new(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes, overwrite: bool = True) -> Path:
    """Write ``data`` to ``target`` atomically (see :func:`atomic_file`), creating its folder."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(target, binary=True, overwrite=overwrite) as fh:
        fh.write(data)
    return target


def _publish_new(tmp: str, target: Path) -> None:
    """Give ``tmp`` the name ``target`` only if that name is free, atomically."""
    try:
        os.link(tmp, target)  # fails with FileExistsError when the name is taken
        return
    except OSError as e:
        if e.errno not in _NO_HARD_LINKS:
            raise
    # no hard links on this file system (FAT, some network shares): reserve the name, then replace it
    os.close(os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
    try:
        os.replace(tmp, target)
    except BaseException:
        target.unlink(missing_ok=True)
        raise


def save_png_atomic(rgb, target: Path) -> Path:
    """Encode ``rgb`` as PNG and move it into place atomically; no temp file is left on failure."""
    import cv2  # only here: the rest of this module is plain file handling
    import numpy as np

    ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{target}: could not encode the image as PNG")
    data = encoded.tobytes()
    for n in range(2, 10_000):  # never overwrite: on a clash (even a concurrent one) take the next name
        try:
            return atomic_write_bytes(target, data, overwrite=False)
        except FileExistsError:
            target = target.with_name(f"{target.stem.rsplit('~', 1)[0]}~{n}{target.suffix}")
    raise OSError(f"{target.parent}: no free file name for the snapshot")


def atomic_write_text(target: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically, creating its folder (cards, state, reports)."""
    return atomic_write_bytes(Path(target), text.encode("utf-8"))


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` with the same suffix (for writers that take a file name and pick
    the format by it: Keras ``save``, ``cv2.imwrite``, ``savefig``); fsynced and moved onto ``path``
    when the block ends without error, removed otherwise."""
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{target}: folder {target.parent} does not exist")
    suffix = ".weights.h5" if target.name.endswith(".weights.h5") else target.suffix
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
