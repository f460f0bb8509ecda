"""The avatar panel's painting options: engine, strength, size and the four check boxes, remembered
in :class:`~ui.avatars.style_settings.PanelSettings`; :meth:`StyleOptions.settings` turns them into
:class:`~emocam.style.transfer.StyleSettings`."""

from __future__ import annotations

from dataclasses import replace

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QSlider, QWidget

from emocam.style.transfer import StyleSettings
from ..avatars.engine_choice import EngineChoice
from ..avatars.style_settings import PanelSettings

SIZES = {256: "Quick (256 px)", 384: "Normal (384 px)", 512: "Fine (512 px)"}
CHECKS = (("auto", "Paint every snapshot"), ("face_crop", "Centre on the face"),
          ("preserve_colour", "Keep the photo's colours"), ("match_emotion", "Style follows the emotion"))


def fast_strength(slider: int) -> float:
    """Slider 0..100 -> the fast engine's strength: 0 (the photo) .. 1 at 50 .. 1.5 at 100."""
    return round(slider / 50 if slider <= 50 else 1 + (slider - 50) / 100, 2)


def gatys_strength(slider: int) -> float:
    """Slider 0..100 -> 0.25x..4x the Gatys style weight (50 = 1x): even steps feel even."""
    return round(4 ** ((slider - 50) / 50), 2)


class StyleOptions(QWidget):
    """The option controls in a grid; none takes keyboard focus (Space is the snapshot key)."""

    def __init__(self, prefs: PanelSettings, engine: EngineChoice, sizes, parent=None):
        super().__init__(parent)
        self.prefs, self.engine = prefs, engine
        self.strength = QSlider(Qt.Horizontal, self, minimum=0, maximum=100, value=prefs.strength_slider)
        self.strength.setFocusPolicy(Qt.NoFocus)
        self.strength_label = QLabel(self)
        self.strength.valueChanged.connect(self._on_strength_changed)
        engine.engine_changed.connect(lambda _: self._on_strength_changed(self.strength.value()))
        self.size_box = QComboBox(self)
        self.size_box.setFocusPolicy(Qt.NoFocus)
        for size in sizes:
            self.size_box.addItem(SIZES.get(size, f"{size} px"), size)
        self.size_box.setCurrentIndex(max(0, self.size_box.findData(prefs.size)))
        self.size_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.size_box.setMinimumContentsLength(8)
        self.size_box.currentIndexChanged.connect(lambda _: setattr(prefs, "size", self.size_box.currentData()))
        self.checks = {key: self._check(text, key) for key, text in CHECKS}
        self._lay_out()
        self._on_strength_changed(self.strength.value())

    def _lay_out(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(1, 1)
        rows = (("Engine", self.engine, None), ("Strength", self.strength, self.strength_label),
                ("Size", self.size_box, None))
        for row, (label, widget, extra) in enumerate(rows):
            grid.addWidget(QLabel(label, self), row, 0)
            grid.addWidget(widget, row, 1, 1, 1 if extra else 2)
            if extra:
                grid.addWidget(extra, row, 2)
        for i, box in enumerate(self.checks.values()):
            grid.addWidget(box, len(rows) + i, 0, 1, 3)

    def _check(self, text: str, key: str) -> QCheckBox:
        box = QCheckBox(text, self)
        box.setFocusPolicy(Qt.NoFocus)
        box.setChecked(getattr(self.prefs, key))
        box.toggled.connect(lambda on: setattr(self.prefs, key, on))
        return box

    @property
    def strength_value(self) -> float:
        """Slider 0..100, 50 = 1 (the style as it is), per engine: :func:`fast_strength`, :func:`gatys_strength`."""
        if self.engine.engine == "fast":
            return fast_strength(self.strength.value())
        return gatys_strength(self.strength.value())

    def settings(self, base: StyleSettings) -> StyleSettings:
        """The chosen options on top of ``base``."""
        return replace(base, size=self.size_box.currentData(), strength=self.strength_value,
                       face_crop=self.checks["face_crop"].isChecked(),
                       preserve_colour=self.checks["preserve_colour"].isChecked(), engine=self.engine.engine)

    def _on_strength_changed(self, value: int) -> None:
        self.prefs.strength_slider = value
        self.strength_label.setText(f"×{self.strength_value:g}")
