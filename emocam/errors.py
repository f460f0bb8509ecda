"""The error types every layer raises, kept at the bottom so any module can use them."""

from __future__ import annotations


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and what to do."""


class UsageError(Exception):
    """A problem with the user's input: reported in one line, exit code 2."""


class FileRefused(ValueError):
    """An input file that is not opened: not a regular file (FIFO, device, folder) or too big.
    The message names the file and what to do."""


class WriteError(OSError):
    """A file that could not be written (disk full, permissions...); the message names it. The
    old file, if any, is untouched and no partial file is left."""

    def __init__(self, path, cause: OSError):
        super().__init__(cause.errno, cause.strerror or str(cause), str(path))
        self.message = (f"{path}: not saved ({cause.strerror or cause}); the previous file, if any, is "
                        "unchanged — free some space or choose another folder")

    def __str__(self) -> str:
        return self.message
