"""emocam.fileio pinned on real files (what tests/emocam/test_fileio_faults.py does not cover): reading
untrusted paths at the exact size limit, FIFOs, devices, sockets and /proc files; the next free name;
the atomic temp paths; errors that are and are not the caller's write failing."""

from __future__ import annotations

import errno
import os
import socket
import stat
from pathlib import Path

import cv2
import numpy as np
import pytest

from emocam import fileio
from emocam.errors import FileRefused, WriteError
from emocam.fileio import (atomic_file, atomic_path, atomic_write_bytes, atomic_write_text, check_regular_file,
                           encode_png, is_regular_file, publish_together, publish_written, read_regular,
                           save_png_atomic, write_new)


def mode_for_umask() -> int:
    """What a new file's mode must be under the process's umask, from a table of literals."""
    umask = os.umask(0o022)
    os.umask(umask)
    return {0o022: 0o644, 0o002: 0o664, 0o077: 0o600, 0o027: 0o640}[umask]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ----- reading

@pytest.fixture
def specials(tmp_path):
    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock.png"))
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "file.png").write_bytes(b"x")
    (tmp_path / "link.png").symlink_to(tmp_path / "file.png")
    yield tmp_path
    sock.close()


@pytest.mark.parametrize("name, regular", [("file.png", True), ("link.png", True), ("pipe.png", False),
                                           ("sock.png", False), ("folder.png", False), ("missing.png", False),
                                           ("nul\0.png", False)])
def test_is_regular_file(specials, name, regular):
    assert is_regular_file(specials / name) is regular
    assert is_regular_file(str(specials / name)) is regular


@pytest.mark.parametrize("name, says", [
    ("pipe.png", "is a named pipe (FIFO), not a regular file; give the path of a file"),
    ("sock.png", "is a socket, not a regular file"),
    ("folder.png", "is a folder, not a regular file"),
    ("missing.png", "no such video file"),
    ("nul\0.png", "cannot open the video file"),
])
def test_check_regular_file_names_what_the_path_is(specials, name, says):
    with pytest.raises(FileRefused) as e:
        check_regular_file(str(specials / name), "video file")
    assert str(e.value).startswith(f"{specials / name}: {says}")


def test_check_regular_file_returns_a_path_for_a_file_or_a_link_to_one(specials):
    assert check_regular_file(str(specials / "link.png")) == specials / "link.png"
    assert isinstance(check_regular_file(str(specials / "file.png")), Path)


def test_a_character_device_is_named_as_one():
    with pytest.raises(FileRefused, match="^/dev/null: is a character device, not a regular file"):
        read_regular("/dev/null", 10)
    with pytest.raises(FileRefused, match="^/dev/null: is a character device"):
        check_regular_file("/dev/null")


@pytest.mark.parametrize("name, says", [
    ("pipe.png", "is a named pipe (FIFO), not a regular file"),   # refused at once, never blocks
    ("folder.png", "is a folder, not a regular file"),
    ("missing.png", "no such image file"),
])
def test_read_regular_refuses_what_is_not_a_file(specials, name, says):
    with pytest.raises(FileRefused) as e:
        read_regular(specials / name, 1 << 20, "image file")
    assert str(e.value).startswith(f"{specials / name}: {says}")


def test_read_regular_names_a_path_it_cannot_open(tmp_path):
    (tmp_path / "file.png").write_bytes(b"x")
    with pytest.raises(FileRefused, match=r"file.png/below: cannot open the image file \(Not a directory\)"):
        read_regular(tmp_path / "file.png" / "below", 10, "image file")


@pytest.mark.parametrize("size, ok", [(2 << 20, True), ((2 << 20) + 1, False)])
def test_read_regular_reads_up_to_max_bytes_exactly(tmp_path, size, ok):
    path = tmp_path / "data.bin"
    path.write_bytes(b"\x01" * size)
    if ok:
        assert read_regular(path, 2_097_152) == b"\x01" * 2_097_152
    else:
        with pytest.raises(FileRefused, match=r"data.bin: 2 MB is larger than any model file this app reads "
                                              r"\(limit 2 MB\); refusing to read it"):
            read_regular(path, 2_097_152, "model file")


def test_a_file_that_reads_longer_than_its_size_is_refused_past_the_limit():
    """/proc files say 0 bytes and then read longer: the bound holds on what is read, too."""
    path = Path("/proc/self/status")
    assert path.stat().st_size == 0
    assert b"Name:" in read_regular(path, 1 << 20)
    with pytest.raises(FileRefused, match="^/proc/self/status: larger than the 0 MB limit for any status; refusing"):
        read_regular(path, 100, "status")


@pytest.mark.parametrize("allow_empty", [False, True])
def test_an_empty_file_is_refused_unless_allowed(tmp_path, allow_empty):
    path = tmp_path / "empty.csv"
    path.touch()
    if allow_empty:
        assert read_regular(path, 10, allow_empty=True) == b""
    else:
        with pytest.raises(FileRefused, match="empty.csv: the data file is empty"):
            read_regular(path, 10, "data file")


# ----- writing

def test_atomic_file_writes_text_as_utf8_with_the_newline_asked_for(tmp_path, monkeypatch):
    synced = []
    monkeypatch.setattr(fileio.os, "fsync", lambda fd, real=os.fsync: (synced.append(fd), real(fd))[1])
    with atomic_file(tmp_path / "t.csv", newline="\r\n") as fh:
        fh.write("é\n")
    assert fh.closed and len(synced) >= 1
    assert (tmp_path / "t.csv").read_bytes() == b"\xc3\xa9\r\n"
    assert stat.S_IMODE((tmp_path / "t.csv").stat().st_mode) == mode_for_umask()
    with atomic_file(str(tmp_path / "b.bin"), binary=True) as fh:
        fh.write(b"\x00\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("target, error, says", [
    ("folder", IsADirectoryError, "is a folder; give a file name"),
    ("missing/out.csv", FileNotFoundError, "does not exist"),
])
def test_atomic_file_refuses_a_folder_or_a_missing_folder_before_writing(tmp_path, target, error, says):
    (tmp_path / "folder").mkdir()
    with pytest.raises(error, match=says):
        with atomic_file(tmp_path / target):
            pytest.fail("the block must not run")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("code, wrapped", [(errno.ENOSPC, True), (errno.EDQUOT, True), (errno.EFBIG, True),
                                           (errno.EIO, True), (errno.EROFS, True), (errno.EACCES, False),
                                           (errno.EPIPE, False)])
def test_only_a_failed_write_in_the_block_becomes_a_write_error(tmp_path, code, wrapped):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(OSError) as e:
        with atomic_file(target) as fh:
            fh.write("new")
            raise OSError(code, os.strerror(code))
    assert isinstance(e.value, WriteError) is wrapped and e.value.errno == code
    if wrapped:
        assert str(e.value).startswith(f"{target}: not saved ({os.strerror(code)})")
    assert target.read_text() == "old" and leftovers(tmp_path) == []
    assert fh.closed


def test_a_temp_file_that_cannot_be_made_is_a_write_error_naming_the_target(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(fileio.tempfile, "mkstemp", full)
    with pytest.raises(WriteError, match=rf"^{tmp_path / 'out.csv'}: not saved \(No space left on device\)"):
        with atomic_file(tmp_path / "out.csv"):
            pytest.fail("the block must not run")


def test_with_hard_links_a_new_name_is_never_reserved_empty_first(tmp_path, monkeypatch):
    flags = []
    monkeypatch.setattr(fileio.os, "open", lambda path, flag, *a, real=os.open: (flags.append(flag), real(path, flag, *a))[1])
    atomic_write_bytes(tmp_path / "new.png", b"x", overwrite=False)
    assert not [f for f in flags if f & os.O_EXCL and not f & os.O_RDWR]
    assert (tmp_path / "new.png").read_bytes() == b"x"


def test_a_write_error_from_the_block_is_passed_on_as_it_is(tmp_path):
    inner = WriteError(tmp_path / "other.csv", OSError(errno.ENOSPC, "No space left on device"))
    with pytest.raises(WriteError) as e:
        with atomic_file(tmp_path / "out.csv"):
            raise inner
    assert e.value is inner


def test_a_non_file_error_in_the_block_leaves_nothing(tmp_path):
    with pytest.raises(ZeroDivisionError):
        with atomic_file(tmp_path / "out.csv") as fh:
            fh.write("partial")
            1 / 0
    assert list(tmp_path.iterdir()) == []


def test_a_taken_name_is_a_plain_file_exists_error_and_is_kept(tmp_path):
    target = tmp_path / "shot.png"
    target.write_bytes(b"first")
    with pytest.raises(FileExistsError) as e:
        atomic_write_text(target, "second", overwrite=False)
    assert type(e.value) is FileExistsError
    assert target.read_bytes() == b"first" and leftovers(tmp_path) == []
    assert atomic_write_text(target, "séc") == target and target.read_bytes() == b"s\xc3\xa9c"


def test_atomic_write_bytes_makes_the_folders_and_returns_the_path(tmp_path):
    target = atomic_write_bytes(str(tmp_path / "a" / "b" / "c.bin"), b"data")
    assert target == tmp_path / "a" / "b" / "c.bin" and isinstance(target, Path)
    assert target.read_bytes() == b"data"


def test_write_new_takes_the_next_free_name(tmp_path):
    names = [write_new(tmp_path / "shot.png", bytes([i])).name for i in range(4)]
    assert names == ["shot.png", "shot~2.png", "shot~3.png", "shot~4.png"]
    assert [(tmp_path / n).read_bytes() for n in names] == [b"\x00", b"\x01", b"\x02", b"\x03"]
    assert write_new(tmp_path / "shot~2.png", b"x").name == "shot~5.png"
    assert write_new(str(tmp_path / "shot.png"), b"y") == tmp_path / "shot~6.png"  # a str target too


def test_write_new_gives_up_after_9998_taken_names(tmp_path, monkeypatch):
    tried = []

    def taken(target, data, overwrite=True):
        assert overwrite is False
        tried.append(target.name)
        raise FileExistsError(errno.EEXIST, "File exists", str(target))

    monkeypatch.setattr(fileio, "atomic_write_bytes", taken)
    with pytest.raises(WriteError, match="no free file name") as e:
        write_new(tmp_path / "a.png", b"x")
    assert e.value.errno == errno.EEXIST
    assert len(tried) == 9998 and tried[:3] == ["a.png", "a~2.png", "a~3.png"] and tried[-1] == "a~9998.png"


def test_publish_together_writes_every_file_and_returns_their_paths(tmp_path):
    files = {tmp_path / "m.keras": b"model", str(tmp_path / "m.tflite"): b"lite"}
    assert publish_together(files) == [tmp_path / "m.keras", tmp_path / "m.tflite"]
    assert (tmp_path / "m.keras").read_bytes() == b"model" and (tmp_path / "m.tflite").read_bytes() == b"lite"
    assert leftovers(tmp_path) == []


def test_publish_together_refuses_a_folder_and_writes_none(tmp_path):
    (tmp_path / "card.json").mkdir()
    (tmp_path / "m.keras").write_bytes(b"old")
    with pytest.raises(WriteError) as e:
        publish_together({tmp_path / "card.json": b"{}", tmp_path / "m.keras": b"new"})
    assert str(e.value).startswith(f"{tmp_path / 'card.json'}: not saved (")
    assert (tmp_path / "m.keras").read_bytes() == b"old" and leftovers(tmp_path) == []


def test_publish_together_names_the_file_when_its_temp_cannot_be_made(tmp_path):
    with pytest.raises(WriteError, match=f"^{tmp_path / 'gone' / 'm.keras'}: not saved"):
        publish_together({tmp_path / "gone" / "m.keras": b"x"})
    with pytest.raises(WriteError, match=f"^{tmp_path / 'gone' / 'm.json'}: not saved"):
        publish_together({tmp_path / "m.keras": b"x", tmp_path / "gone" / "m.json": b"{}"})
    assert list(tmp_path.iterdir()) == []


def test_publish_written_moves_a_complete_file_into_place(tmp_path):
    tmp, target = tmp_path / ".video.part.avi", tmp_path / "video.avi"
    tmp.write_bytes(b"frames")
    target.write_bytes(b"old")
    os.chmod(tmp, 0o600)
    assert publish_written(str(tmp), target) == target
    assert target.read_bytes() == b"frames" and not tmp.exists()
    assert stat.S_IMODE(target.stat().st_mode) == mode_for_umask()


def test_publish_written_never_follows_a_link_planted_as_the_temp_file(tmp_path):
    victim, tmp, target = tmp_path / "victim", tmp_path / ".video.part.avi", tmp_path / "video.avi"
    victim.write_bytes(b"keep")
    tmp.symlink_to(victim)
    with pytest.raises(WriteError, match=f"^{target}: not saved"):
        publish_written(tmp, target)
    assert not tmp.is_symlink() and not target.exists() and victim.read_bytes() == b"keep"


@pytest.mark.parametrize("name, suffix", [("model.keras", ".keras"), ("model.weights.h5", ".weights.h5"),
                                          ("plot.png", ".png")])
def test_atomic_path_is_a_hidden_sibling_with_the_same_suffix(tmp_path, name, suffix):
    target = tmp_path / name
    with atomic_path(str(target)) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(f".{target.stem}.") and tmp.name.endswith(suffix)
        assert tmp.exists() and not target.exists()
        tmp.write_bytes(b"made by a library")
    assert target.read_bytes() == b"made by a library" and not tmp.exists()
    assert stat.S_IMODE(target.stat().st_mode) == mode_for_umask()


def test_atomic_path_keeps_the_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("the library failed")
    assert target.read_bytes() == b"old" and leftovers(tmp_path) == []
    with pytest.raises(FileNotFoundError, match="folder .* does not exist"):
        with atomic_path(tmp_path / "missing" / "plot.png"):
            pass


def test_png_round_trip_keeps_rgb_order_and_takes_a_free_name(tmp_path):
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[0, 0] = (255, 0, 0)
    rgb[3, 5] = (0, 0, 200)
    data = encode_png(rgb, tmp_path / "x.png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert bgr[0, 0].tolist() == [0, 0, 255] and bgr[3, 5].tolist() == [200, 0, 0]
    first = save_png_atomic(rgb[::-1], tmp_path / "x.png")  # a strided view is fine too
    second = save_png_atomic(rgb, tmp_path / "x.png")
    assert (first.name, second.name) == ("x.png", "x~2.png")
    assert cv2.imread(str(second))[0, 0].tolist() == [0, 0, 255]


@pytest.fixture
def no_hard_links(monkeypatch):
    """A file system without hard links (FAT, some network shares): ``os.link`` fails with EPERM."""
    def link(src, dst, *args, **kwargs):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(fileio.os, "link", link)


def test_without_hard_links_a_free_name_is_written_and_a_taken_one_kept(tmp_path, no_hard_links):
    target = tmp_path / "shot.png"
    assert write_new(target, b"one") == target and target.read_bytes() == b"one"
    assert write_new(target, b"two") == tmp_path / "shot~2.png"
    assert target.read_bytes() == b"one" and (tmp_path / "shot~2.png").read_bytes() == b"two"
    assert leftovers(tmp_path) == []


def test_a_link_failure_that_is_not_about_hard_links_is_a_write_error(tmp_path, monkeypatch):
    def link(src, dst, *args, **kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(fileio.os, "link", link)
    with pytest.raises(WriteError, match=r"shot.png: not saved \(Permission denied\)"):
        atomic_write_bytes(tmp_path / "shot.png", b"x", overwrite=False)
    assert list(tmp_path.iterdir()) == []


def test_without_hard_links_a_failed_rename_gives_the_reserved_name_back(tmp_path, no_hard_links, monkeypatch):
    def replace(src, dst, real=os.replace):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(fileio.os, "replace", replace)
    with pytest.raises(WriteError, match=r"shot.png: not saved \(Input/output error\)"):
        atomic_write_bytes(tmp_path / "shot.png", b"x", overwrite=False)
    assert list(tmp_path.iterdir()) == []


def test_publish_together_names_the_last_file_when_its_rename_fails(tmp_path, monkeypatch):
    def replace(src, dst, real=os.replace):
        if Path(dst).name == "m.json":
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(fileio.os, "replace", replace)
    with pytest.raises(WriteError, match=rf"^{tmp_path / 'm.json'}: not saved \(Input/output error\)"):
        publish_together({tmp_path / "m.keras": b"x", tmp_path / "m.json": b"{}"})
    assert leftovers(tmp_path) == []


@pytest.fixture
def fsyncs(monkeypatch):
    """Every fsync of a file (not of a folder), noting how many bytes the file held at that moment
    (all of them, if the writer flushed first), then doing the real fsync."""
    seen = []

    def fsync(fd, real=os.fsync):
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode):
            seen.append(info.st_size)
        return real(fd)

    monkeypatch.setattr(fileio.os, "fsync", fsync)
    return seen


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("write", [
    lambda folder: atomic_write_bytes(folder / "a.bin", b"12345"),
    lambda folder: write_new(folder / "a.bin", b"12345"),
    lambda folder: publish_together({folder / "a.bin": b"12345", folder / "b.bin": b"12345"}),
])
def test_each_file_is_flushed_then_fsynced_before_it_gets_its_name(tmp_path, fsyncs, write):
    before = open_fds()
    write(tmp_path)
    assert fsyncs == [5] * len([p for p in tmp_path.iterdir() if not p.name.startswith(".")])
    assert open_fds() == before


def test_publish_written_fsyncs_the_file_and_closes_it(tmp_path, fsyncs):
    tmp = tmp_path / ".clip.part.avi"
    tmp.write_bytes(b"123")
    before = open_fds()
    publish_written(tmp, tmp_path / "clip.avi")
    assert fsyncs == [3] and open_fds() == before
    assert (tmp_path / "clip.avi").read_bytes() == b"123"
