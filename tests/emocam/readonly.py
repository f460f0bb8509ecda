"""A folder this process truly cannot write to, even as root (CI runs the tests as root, and root
ignores permission bits). Tried in order: a read-only bind mount of the folder onto itself, an
immutable folder (``chattr +i``), and, for other users, ``chmod 555``. The test is skipped only when
none of these works here, and the skip says what each attempt answered."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Callable, Iterator

import pytest


def _run(*cmd: str) -> str | None:
    """None when ``cmd`` succeeded, else its one-line complaint."""
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{cmd[0]}: {e}"
    return None if done.returncode == 0 else (done.stderr.strip() or f"{cmd[0]} exited {done.returncode}")


def _bind_mount(folder: Path) -> Callable[[], None] | str:
    why = _run("mount", "--bind", str(folder), str(folder))
    if why:
        return why
    undo = lambda: _run("umount", str(folder)) and _run("umount", "-l", str(folder))  # noqa: E731
    why = _run("mount", "-o", "remount,bind,ro", str(folder))
    if why:
        undo()
        return why
    return undo


def _immutable(folder: Path) -> Callable[[], None] | str:
    why = _run("chattr", "+i", str(folder))
    return why or (lambda: _run("chattr", "-i", str(folder)))


def _chmod(folder: Path) -> Callable[[], None] | str:
    folder.chmod(0o555)
    return lambda: folder.chmod(0o755)


MECHANISMS = {"read-only bind mount": _bind_mount, "immutable folder (chattr +i)": _immutable,
              "chmod 555": _chmod}


def _writable(folder: Path) -> bool:
    probe = folder / ".write-probe"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except OSError:
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """While inside, no file can be created, renamed or removed in ``folder`` (files already in it
    keep their content); yields the name of the mechanism that made it so."""
    answers = []
    for name, make in MECHANISMS.items():
        undo = make(folder)
        if isinstance(undo, str):
            answers.append(f"{name}: {undo}")
            continue
        if _writable(folder):
            undo()
            answers.append(f"{name}: the folder stayed writable")
            continue
        try:
            yield name
        finally:
            undo()
        return
    pytest.skip("cannot make a folder read-only here: " + "; ".join(answers))
