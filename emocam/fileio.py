"""File access for untrusted paths, the one implementation.

Writes are atomic and never follow a planted link: data goes to a fresh temp file (``O_EXCL``)
beside the target, is fsynced, then renamed over the target name (a symlink there is replaced, its
target never written). The target is either the complete new file or untouched, no temp file is left
behind on any error, and a failure names the file (:class:`emocam.errors.WriteError`).

Reads open only regular files (a FIFO named ``b.png`` would block forever, a device never ends) and
read them once, bounded, so checks and use see the same bytes.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator

from emocam.errors import FileRefused, WriteError

_UMASK = os.umask(0o022)
os.umask(_UMASK)  # read once, at import; file_mode() follows later changes where the OS tells them
FILE_MODE = 0o666 & ~_UMASK  # what open() would give at import; mkstemp's temp files are a private 0600
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}
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
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as e:
        raise WriteError(target, e) from e
    fh = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline=newline)
    try:
        try:
            yield fh
        except OSError as e:  # the caller's block: only its writes' failures are ours to name
            if e.errno in _WRITE_ERRNOS and not isinstance(e, WriteError):
                raise WriteError(target, e) from e
            raise
        _finish(fh, tmp, target, overwrite)
    finally:
        with contextlib.suppress(OSError):  # after a failed write, closing re-raises the same error
            fh.close()
        Path(tmp).unlink(missing_ok=True)


def _finish(fh, tmp: str, target: Path, overwrite: bool) -> None:
    try:
        fh.flush()
        os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
        if overwrite:
            os.replace(tmp, target)
        else:
            _publish_new(tmp, target)
    except FileExistsError:  # overwrite=False and the name is taken: name the target, not the temp file
        raise FileExistsError(errno.EEXIST, "already exists; not replaced", str(target)) from None
    except OSError as e:  # disk full, quota, I/O error: say which file
        raise WriteError(target, e) from e
    _sync_folder(target.parent)


def file_mode() -> int:
    """The mode ``open()`` would give a new file now: 0o666 less the process's current umask. Read
    from /proc on Linux (``os.umask`` can only be read by changing it, which races other threads);
    elsewhere the umask seen at import."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return FILE_MODE


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable. Best effort: the file is already complete under its name,
    and some systems cannot open or fsync a folder (Windows, some network shares)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


def atomic_write_text(target: Path, text: str, overwrite: bool = True) -> Path:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    return atomic_write_bytes(target, text.encode("utf-8"), overwrite)


def write_new(target: Path, data: bytes) -> Path:
    """Write ``data`` under ``target``'s name, or the next free ``name~2``, ``name~3``... when it
    is taken (even by another writer at the same moment): never overwrites. Returns the path used."""
    target = Path(target)
    for n in range(2, 10_000):
        try:
            return atomic_write_bytes(target, data, overwrite=False)
        except FileExistsError:
            target = target.with_name(f"{target.stem.rsplit('~', 1)[0]}~{n}{target.suffix}")
    raise WriteError(target, OSError(errno.EEXIST, "no free file name"))


def publish_together(files: dict[Path, bytes]) -> list[Path]:
    """Write several files that belong together (a model, its LiteRT twin, its card): every temp
    file is written and fsynced first, so a full disk or any other write error leaves all the old
    files as they were; only then are they renamed into place (renames need no space)."""
    temps: list[tuple[str, Path]] = []
    target = Path(next(iter(files)))
    try:
        for target, data in files.items():
            target = Path(target)
            if target.is_dir():
                raise IsADirectoryError(f"{target}: is a folder; give a file name")
            temps.append((_write_temp(target, data), target))
        for tmp, target in temps:
            os.replace(tmp, target)
    except OSError as e:
        if isinstance(e, WriteError):
            raise
        raise WriteError(target, e) from e  # the file being written or renamed when it failed
    finally:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)
    for folder in {t.parent for _, t in temps}:
        _sync_folder(folder)
    return [Path(t) for t in files]


def publish_written(tmp: str | Path, target: Path) -> Path:
    """Move a complete temp file that a library wrote by path (OpenCV's VideoWriter) onto ``target``:
    fsynced, given normal permissions, renamed over the name (a link there is replaced, not followed)."""
    try:
        fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(target, e) from e
    _sync_folder(Path(target).parent)
    return Path(target)


def _write_temp(target: Path, data: bytes) -> str:
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as e:
        raise WriteError(target, e) from e
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, file_mode())
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise WriteError(target, e) from e
    return tmp


def save_png_atomic(rgb, target: Path) -> Path:
    """Encode ``rgb`` as PNG and write it under a free name (``~2``... on a clash), atomically."""
    return write_new(target, encode_png(rgb, target))


def encode_png(rgb, target: Path) -> bytes:
    """PNG bytes of an RGB image (``target`` only names the file in the error)."""
    import cv2  # only here: the rest of this module is plain file handling
    import numpy as np

    ok, encoded = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{target}: could not encode the image as PNG")
    return encoded.tobytes()


# ----- reading untrusted paths

def is_regular_file(path: str | Path) -> bool:
    """True for a regular file (or a link to one); False for FIFOs, devices, sockets, folders, nothing."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def check_regular_file(path: str | Path, what: str = "file") -> Path:
    """``path`` if it is a regular file; :class:`FileRefused` naming it otherwise."""
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise FileRefused(f"{path}: no such {what}") from None
    except (OSError, ValueError) as e:
        raise FileRefused(f"{path}: cannot open the {what} ({getattr(e, 'strerror', None) or e})") from e
    if not stat.S_ISREG(mode):
        raise FileRefused(f"{path}: is {_kind(mode)}, not a regular file; give the path of a file")
    return path


def read_regular(path: str | Path, max_bytes: int, what: str = "file", allow_empty: bool = False) -> bytes:
    """The bytes of ``path``, read once: refuses non-regular files (without blocking on a FIFO),
    empty files and files over ``max_bytes``, with a message naming the file."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileRefused(f"{path}: no such {what}") from None
    except OSError as e:
        raise FileRefused(f"{path}: cannot open the {what} ({e.strerror or e})") from e
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise FileRefused(f"{path}: is {_kind(info.st_mode)}, not a regular file; give the path of a file")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > max_bytes:
            raise FileRefused(f"{path}: {info.st_size >> 20} MB is larger than any {what} this app reads "
                              f"(limit {max_bytes >> 20} MB); refusing to read it")
        os.set_blocking(fd, True)
        try:
            data = fh.read(max_bytes + 1)
        except OSError as e:
            raise FileRefused(f"{path}: cannot read the {what} ({e.strerror or e})") from e
    if len(data) > max_bytes:  # grew while we read it
        raise FileRefused(f"{path}: larger than the {max_bytes >> 20} MB limit for any {what}; refusing it")
    if not data and not allow_empty:
        raise FileRefused(f"{path}: the {what} is empty")
    return data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` with the same suffix (for writers that take a file name and pick
    the format by it: Keras ``save``, ``cv2.imwrite``, ``savefig``); fsynced and moved onto ``path``
    when the block ends without error, removed otherwise."""
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{target}: folder {target.parent} does not exist")
    suffix = ".weights.h5" if target.name.endswith(".weights.h5") else target.suffix
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=suffix)
    except OSError as e:
        raise WriteError(target, e) from e
    os.close(fd)
    try:
        yield Path(tmp)
        try:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, file_mode())
            os.replace(tmp, target)
        except OSError as e:
            raise WriteError(target, e) from e
        _sync_folder(target.parent)
    finally:
        Path(tmp).unlink(missing_ok=True)
