"""Atomic file writes: the target is either the complete new file or untouched; no temp file is left."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path


_NO_HARD_LINKS = {errno.EPERM, errno.EXDEV, errno.EMLINK, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP}


def atomic_write_bytes(target: Path, data: bytes, overwrite: bool = True) -> Path:
    """Write ``data`` to a temp file beside ``target``, fsync it, and move it into place.
    With ``overwrite=False`` an existing ``target`` is never replaced: FileExistsError instead
    (safe against another writer choosing the same name at the same moment)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are ordinary user files
        if overwrite:
            os.replace(tmp, target)
        else:
            _publish_new(tmp, target)
    finally:
        Path(tmp).unlink(missing_ok=True)
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
