"""The avatar panel's choices, remembered between runs with QSettings (group ``avatar/``)."""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import QSettings

_DEFAULTS = {"style": "mosaic", "strength_slider": 50, "size": 384, "auto": True, "face_crop": True,
             "preserve_colour": False, "match_emotion": False, "engine": "fast"}


class PanelSettings:
    """Typed access to the panel's settings; pass your own QSettings in tests (INI files store text)."""

    def __init__(self, settings: QSettings | None = None):
        self._s = settings if settings is not None else QSettings("emocam", "emocam")

    def __getattr__(self, key: str):
        if key not in _DEFAULTS:
            raise AttributeError(key)
        default = _DEFAULTS[key]
        value = self._s.value(f"avatar/{key}", default)
        if isinstance(default, bool):
            return value.lower() == "true" if isinstance(value, str) else bool(value)
        try:
            return type(default)(value)
        except (TypeError, ValueError):
            return default

    def __setattr__(self, key: str, value) -> None:
        if key in _DEFAULTS:
            self._s.setValue(f"avatar/{key}", value)
        else:
            super().__setattr__(key, value)

    @property
    def extra_styles(self) -> list[Path]:
        """Style images the user added that still exist."""
        value = self._s.value("avatar/extra_styles", [])
        paths = [value] if isinstance(value, str) else list(value or [])
        return [Path(p) for p in paths if p and Path(p).is_file()]

    def add_extra_style(self, path: Path) -> None:
        paths = [str(p) for p in self.extra_styles if Path(p) != Path(path)] + [str(path)]
        self._s.setValue("avatar/extra_styles", paths)

    @property
    def weights(self) -> Path | None:
        """A VGG19 file the user chose (None: look in the usual places)."""
        value = self._s.value("avatar/weights", "")
        return Path(value) if value else None

    @weights.setter
    def weights(self, path: Path | None) -> None:
        self._s.setValue("avatar/weights", str(path) if path else "")
