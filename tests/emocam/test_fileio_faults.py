"""Fault injection for emocam.fileio, the one writer every save goes through.

Spies wrap the real os calls (and the file handle's write/flush), record their order and still do the
real thing; one step at a time is made to fail instead. Whatever fails, the target keeps its old content
(or stays absent), no temp file is left beside it, and the error names the target."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from emocam import fileio
from emocam.errors import WriteError
from tests.emocam.readonly import read_only

OLD, NEW = b"old content, longer than the new one\n" * 50, b"new content\n"
TARGETS = {"str": str, "Path": Path}


class _SpyFile:
    """A file handle whose write and flush are recorded (and can fail); the rest passes through."""

    def __init__(self, fh, spy: "Spy"):
        self._fh, self._spy = fh, spy

    def write(self, data):
        self._spy.step("write")
        return self._fh.write(data)

    def flush(self):
        self._spy.step("flush")
        return self._fh.flush()

    def __getattr__(self, name):
        return getattr(self._fh, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._fh.close()


class Spy:
    """Records write, flush, fsync (of a file: with its size then; of a folder), chmod, replace and
    link as they happen; the ``nth`` call of step ``fail`` raises ``OSError(fail_errno)`` instead."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, fail: str | None = None, fail_errno: int = errno.EIO,
                 nth: int = 1):
        self.calls: list[str] = []
        self.synced_sizes: list[int] = []
        self.fail, self.fail_errno, self.nth = fail, fail_errno, nth
        real = {name: getattr(os, name) for name in ("fsync", "chmod", "replace", "link", "fdopen")}
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: _SpyFile(real["fdopen"](*a, **k), self))
        monkeypatch.setattr(os, "fsync", lambda fd: self._fsync(real["fsync"], fd))
        for name in ("chmod", "replace", "link"):
            monkeypatch.setattr(os, name, self._wrap(name, real[name]))

    def step(self, name: str) -> None:
        self.calls.append(name)
        if name == self.fail and self.calls.count(name) == self.nth:
            raise OSError(self.fail_errno, f"{os.strerror(self.fail_errno)} (injected at {name})")

    def _wrap(self, name, real):
        def call(*args, **kwargs):
            self.step(name)
            return real(*args, **kwargs)
        return call

    def _fsync(self, real, fd):
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            self.step("fsync folder")
        else:
            self.synced_sizes.append(info.st_size)
            self.step("fsync")
        return real(fd)


def leftovers(folder: Path, *keep: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p not in keep)


# ----- the order of the steps

ORDERS = {
    "overwrite": (dict(overwrite=True), ["write", "flush", "fsync", "chmod", "replace", "fsync folder"]),
    "new name": (dict(overwrite=False), ["write", "flush", "fsync", "chmod", "link", "fsync folder"]),
}


@pytest.mark.parametrize("kind", TARGETS.values(), ids=TARGETS.keys())
@pytest.mark.parametrize("options, order", ORDERS.values(), ids=ORDERS.keys())
def test_a_write_is_written_flushed_fsynced_then_renamed(tmp_path, monkeypatch, kind, options, order):
    target = tmp_path / "out.bin"
    if options["overwrite"]:
        target.write_bytes(OLD)
    spy = Spy(monkeypatch)
    assert fileio.atomic_write_bytes(kind(target), NEW, **options) == target
    assert spy.calls == order
    assert spy.synced_sizes == [len(NEW)]  # everything was flushed to the file before it was fsynced
    assert target.read_bytes() == NEW and leftovers(tmp_path) == ["out.bin"]


def test_publish_together_fsyncs_every_file_before_renaming_any(tmp_path, monkeypatch):
    files = {tmp_path / "a.keras": b"a" * 10, tmp_path / "a.tflite": b"b" * 20, tmp_path / "a.card.json": b"{}"}
    spy = Spy(monkeypatch)
    fileio.publish_together(files)
    assert spy.calls == ["write", "flush", "fsync", "chmod"] * 3 + ["replace"] * 3 + ["fsync folder"]
    assert spy.synced_sizes == [10, 20, 2]
    assert {p: p.read_bytes() for p in files} == files and leftovers(tmp_path, *files) == []


# ----- a failure at each step

STEPS_OVERWRITE = ["write", "flush", "fsync", "chmod", "replace"]
STEPS_NEW_NAME = ["write", "flush", "fsync", "chmod", "link"]


@pytest.mark.parametrize("fail_errno", [errno.EIO, errno.ENOSPC], ids=["EIO", "ENOSPC"])
@pytest.mark.parametrize("kind", TARGETS.values(), ids=TARGETS.keys())
@pytest.mark.parametrize("step", STEPS_OVERWRITE)
def test_a_failed_overwrite_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch, step, kind, fail_errno):
    target = tmp_path / "session.csv"
    target.write_bytes(OLD)
    spy = Spy(monkeypatch, fail=step, fail_errno=fail_errno)
    with pytest.raises(WriteError) as failed:
        fileio.atomic_write_bytes(kind(target), NEW)
    assert spy.calls[-1] == step and "fsync folder" not in spy.calls
    assert failed.value.errno == fail_errno
    assert str(failed.value).startswith(f"{target}: not saved (") and "injected at" in str(failed.value)
    assert target.read_bytes() == OLD and leftovers(tmp_path) == ["session.csv"]


@pytest.mark.parametrize("kind", TARGETS.values(), ids=TARGETS.keys())
@pytest.mark.parametrize("step", STEPS_NEW_NAME)
def test_a_failed_write_to_a_new_name_leaves_nothing(tmp_path, monkeypatch, step, kind):
    target = tmp_path / "shot.png"
    Spy(monkeypatch, fail=step)
    with pytest.raises(WriteError, match="^" + str(target).replace(".", r"\.") + ": not saved"):
        fileio.write_new(kind(target), NEW)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("step", ["write", "flush", "fsync", "chmod"])
def test_a_failed_text_write_keeps_the_old_text(tmp_path, monkeypatch, step):
    target = tmp_path / "metrics.json"
    target.write_text('{"old": true}')
    Spy(monkeypatch, fail=step)
    with pytest.raises(WriteError):
        fileio.atomic_write_text(str(target), '{"new": true}')
    assert target.read_text() == '{"old": true}' and leftovers(tmp_path) == ["metrics.json"]


def test_a_failed_folder_fsync_does_not_undo_a_complete_save(tmp_path, monkeypatch):
    """The file is complete under its name before the folder is synced: reporting a failure then would
    tell the user the save was lost when it was not."""
    target = tmp_path / "out.bin"
    spy = Spy(monkeypatch, fail="fsync folder", fail_errno=errno.EINVAL)
    assert fileio.atomic_write_bytes(target, NEW) == target
    assert spy.calls[-1] == "fsync folder" and target.read_bytes() == NEW and leftovers(tmp_path) == ["out.bin"]


@pytest.mark.parametrize("step", ["write", "flush", "fsync", "chmod"])
@pytest.mark.parametrize("failing", [0, 1, 2])
def test_publish_together_keeps_every_old_file_when_any_write_fails(tmp_path, monkeypatch, step, failing):
    names = ["m.keras", "m.tflite", "m.card.json"]
    old = {tmp_path / n: f"old {n}".encode() for n in names}
    for path, data in old.items():
        path.write_bytes(data)
    spy = Spy(monkeypatch, fail=step, fail_errno=errno.ENOSPC, nth=failing + 1)
    with pytest.raises(WriteError) as failed:
        fileio.publish_together({p: b"new" for p in old})
    assert str(failed.value).startswith(f"{tmp_path / names[failing]}: not saved")
    assert {p: p.read_bytes() for p in old} == old and leftovers(tmp_path, *old) == []
    assert "replace" not in spy.calls


def test_publish_together_names_the_file_whose_rename_failed(tmp_path, monkeypatch):
    files = {tmp_path / n: b"new" for n in ("m.keras", "m.tflite", "m.card.json")}
    real_replace, renamed = os.replace, []

    def replace(src, dst):
        if Path(dst).name == "m.tflite":
            raise OSError(errno.EIO, "Input/output error")
        renamed.append(Path(dst).name)
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WriteError, match=r"m\.tflite: not saved \(Input/output error\)"):
        fileio.publish_together(files)
    assert renamed == ["m.keras"] and leftovers(tmp_path) == ["m.keras"]


# ----- no hard links (FAT, some network shares) and overwrite off

NO_LINKS = {"EPERM": errno.EPERM, "EXDEV": errno.EXDEV, "EMLINK": errno.EMLINK, "ENOSYS": errno.ENOSYS,
            "EOPNOTSUPP": errno.EOPNOTSUPP}


@pytest.fixture(params=NO_LINKS.values(), ids=NO_LINKS.keys())
def no_hard_links(request, monkeypatch):
    def link(*args, **kwargs):
        raise OSError(request.param, os.strerror(request.param))

    monkeypatch.setattr(os, "link", link)


@pytest.mark.parametrize("kind", TARGETS.values(), ids=TARGETS.keys())
def test_without_hard_links_a_taken_name_is_refused_and_kept(tmp_path, no_hard_links, kind):
    target = tmp_path / "shot.png"
    target.write_bytes(OLD)
    with pytest.raises(FileExistsError) as refused:
        fileio.atomic_write_bytes(kind(target), NEW, overwrite=False)
    assert refused.value.filename == str(target)  # the user's name, not the temp file's
    assert target.read_bytes() == OLD and leftovers(tmp_path) == ["shot.png"]


def test_without_hard_links_a_free_name_gets_the_whole_file(tmp_path, no_hard_links):
    target = fileio.atomic_write_bytes(tmp_path / "shot.png", NEW, overwrite=False)
    assert target.read_bytes() == NEW and leftovers(tmp_path) == ["shot.png"]


def test_without_hard_links_write_new_takes_the_next_free_name(tmp_path, no_hard_links):
    (tmp_path / "shot.png").write_bytes(OLD)
    (tmp_path / "shot~2.png").write_bytes(OLD)
    assert fileio.write_new(tmp_path / "shot.png", NEW) == tmp_path / "shot~3.png"
    assert [(tmp_path / n).read_bytes() for n in ("shot.png", "shot~2.png", "shot~3.png")] == [OLD, OLD, NEW]
    assert leftovers(tmp_path) == ["shot.png", "shot~2.png", "shot~3.png"]


def test_without_hard_links_a_failed_rename_removes_the_reserved_name(tmp_path, no_hard_links, monkeypatch):
    def replace(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WriteError, match="shot.png: not saved"):
        fileio.atomic_write_bytes(tmp_path / "shot.png", NEW, overwrite=False)
    assert leftovers(tmp_path) == []


def test_a_link_error_that_is_not_about_hard_links_is_reported_not_worked_around(tmp_path, monkeypatch):
    def link(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "link", link)
    with pytest.raises(WriteError, match=r"shot\.png: not saved \(Input/output error\)"):
        fileio.atomic_write_bytes(tmp_path / "shot.png", NEW, overwrite=False)
    assert leftovers(tmp_path) == []


def test_with_hard_links_a_taken_name_is_refused_and_kept(tmp_path):
    target = tmp_path / "shot.png"
    target.write_bytes(OLD)
    with pytest.raises(FileExistsError) as refused:
        fileio.atomic_write_bytes(target, NEW, overwrite=False)
    assert refused.value.filename == str(target)
    assert target.read_bytes() == OLD and leftovers(tmp_path) == ["shot.png"]


# ----- file modes under a fixed umask

@pytest.fixture(params=[(0o022, 0o644), (0o027, 0o640), (0o077, 0o600), (0o002, 0o664)],
                ids=["022", "027", "077", "002"])
def umask(request):
    """Sets the process umask for the test (and restores it); gives (umask, expected file mode)."""
    old = os.umask(request.param[0])
    try:
        yield request.param
    finally:
        os.umask(old)


def _bytes(path):
    return fileio.atomic_write_bytes(path, NEW)


def _new(path):
    return fileio.atomic_write_bytes(path, NEW, overwrite=False)


def _text(path):
    return fileio.atomic_write_text(path, "new")


def _together(path):
    return fileio.publish_together({Path(path): NEW})[0]


def _written(path):
    tmp = Path(path).with_name(".by-a-library.part")
    tmp.write_bytes(NEW)
    tmp.chmod(0o600)  # as tempfile.mkstemp leaves it
    return fileio.publish_written(tmp, Path(path))


def _by_path(path):
    with fileio.atomic_path(path) as tmp:
        tmp.write_bytes(NEW)
    return Path(path)


def _png(path):
    return fileio.save_png_atomic(np.zeros((4, 4, 3), np.uint8), Path(path))


WRITERS = {"atomic_write_bytes": _bytes, "overwrite off": _new, "atomic_write_text": _text,
           "publish_together": _together, "publish_written": _written, "atomic_path": _by_path, "png": _png}


@pytest.mark.parametrize("kind", TARGETS.values(), ids=TARGETS.keys())
@pytest.mark.parametrize("write", WRITERS.values(), ids=WRITERS.keys())
def test_a_saved_file_has_the_mode_open_would_give_under_the_umask(tmp_path, umask, write, kind):
    saved = write(kind(tmp_path / "out.png"))
    assert stat.S_IMODE(os.stat(saved).st_mode) == umask[1]
    assert leftovers(tmp_path) == ["out.png"]


# ----- a folder that cannot be written to, even by root

SAVES = {"overwrite": _bytes, "overwrite off": _new, "text": _text, "together": _together, "png": _png}


@pytest.mark.parametrize("write", SAVES.values(), ids=SAVES.keys())
def test_a_read_only_folder_refuses_the_save_and_keeps_the_old_file(tmp_path, write):
    folder = tmp_path / "locked"
    folder.mkdir()
    old = folder / "keep.bin"
    old.write_bytes(OLD)
    with read_only(folder) as how:
        with pytest.raises(WriteError) as failed:
            write(folder / "out.png")
        assert str(failed.value).startswith(f"{folder / 'out.png'}: not saved ("), how
        assert leftovers(folder) == ["keep.bin"] and old.read_bytes() == OLD, how
