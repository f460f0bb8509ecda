"""Argument types shared by the CLIs."""

from __future__ import annotations

import argparse


def int_in_range(low: int, high: int | None = None, what: str = "a whole number"):
    """An argparse ``type`` accepting integers in ``low..high`` with a message naming the range."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"{low}..{high}" if high is not None else f">= {low}"
            raise argparse.ArgumentTypeError(f"expected {what} {bound}, got {value}")
        return value

    return parse
