"""Bounds shared by the model checks (before loading) and the live classifier (after loading)."""

from __future__ import annotations

MIN_INPUT_SIDE, MAX_INPUT_SIDE = 32, 96  # face crops of an emotion model, in pixels
