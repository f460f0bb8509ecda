"""Preferences persisted between runs with QSettings: camera, resolution, mirror, model, smoothing."""

from __future__ import annotations

from PyQt5.QtCore import QSettings

from emocam.live.smoothing import SmoothingSettings

SMOOTHING_LEVELS = {"Off": 1.0, "Light": 0.5, "Medium": 0.35, "Strong": 0.2}  # EMA weight of the newest frame


def smoothing_settings(level: str) -> SmoothingSettings:
    """The smoothing of a menu level (unknown levels get the default, Medium)."""
    return SmoothingSettings(enabled=level != "Off", alpha=SMOOTHING_LEVELS.get(level, SMOOTHING_LEVELS["Medium"]))


class Preferences:
    """Typed access to the app's QSettings (pass your own QSettings in tests)."""

    def __init__(self, settings: QSettings | None = None):
        self._s = settings if settings is not None else QSettings("emocam", "emocam")

    def _get(self, key: str, default, kind):
        value = self._s.value(key, default)
        if kind is bool and isinstance(value, str):  # INI files store booleans as text
            return value.lower() == "true"
        try:
            return kind(value) if value is not None else default
        except (TypeError, ValueError):
            return default

    @property
    def camera(self) -> int | None:
        value = self._get("camera", -1, int)
        return None if value < 0 else value

    @camera.setter
    def camera(self, index: int | None) -> None:
        self._s.setValue("camera", -1 if index is None else int(index))

    @property
    def resolution(self) -> tuple[int, int] | None:
        text = self._get("resolution", "", str)
        try:
            w, h = (int(v) for v in text.split("x"))
            return (w, h)
        except ValueError:
            return None

    @resolution.setter
    def resolution(self, size: tuple[int, int] | None) -> None:
        self._s.setValue("resolution", "" if size is None else f"{size[0]}x{size[1]}")

    @property
    def mirror_camera(self) -> bool:
        return self._get("mirror_camera", True, bool)

    @mirror_camera.setter
    def mirror_camera(self, on: bool) -> None:
        self._s.setValue("mirror_camera", bool(on))

    @property
    def mirror_snapshots(self) -> bool:
        return self._get("mirror_snapshots", False, bool)

    @mirror_snapshots.setter
    def mirror_snapshots(self, on: bool) -> None:
        self._s.setValue("mirror_snapshots", bool(on))

    @property
    def model_path(self) -> str | None:
        return self._get("model_path", "", str) or None

    @model_path.setter
    def model_path(self, path: str | None) -> None:
        self._s.setValue("model_path", path or "")

    @property
    def smoothing(self) -> str:
        level = self._get("smoothing", "Medium", str)
        return level if level in SMOOTHING_LEVELS else "Medium"

    @smoothing.setter
    def smoothing(self, level: str) -> None:
        if level not in SMOOTHING_LEVELS:
            raise ValueError(f"unknown smoothing level {level!r}; known: {', '.join(SMOOTHING_LEVELS)}")
        self._s.setValue("smoothing", level)

    def sync(self) -> None:
        self._s.sync()
