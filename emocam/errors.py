"""The error types every layer raises, kept at the bottom so any module can use them."""

from __future__ import annotations


class ModelError(ValueError):
    """A model file that cannot be used; the message names the file and what to do."""


class UsageError(Exception):
    """A problem with the user's input: reported in one line, exit code 2."""
