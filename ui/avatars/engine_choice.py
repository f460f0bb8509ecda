"""Which painter makes the avatars: the fast pretrained network (default, nothing to download) or the
detailed Gatys optimisation (slow; needs the ImageNet VGG19 weights).

The VGG19 weights are offered for download only here, when the user picks the detailed engine or
presses "Get VGG19 weights...": a snapshot never opens a dialog.
"""

from __future__ import annotations

from pathlib import Path

from PyQt5.QtCore import Qt, pyqtSignal
from PyQt5.QtWidgets import QComboBox, QPushButton, QVBoxLayout, QWidget

from emocam.style.vgg_weights import WeightsSource
from ..avatars.style_settings import PanelSettings
from ..avatars.weights_gate import WeightsGate
from ..widgets.notice_bar import NoticeBar

ENGINE_NAMES = {"fast": "Fast", "gatys": "Detailed (slow)"}  # short: the dock is narrow; the tooltips say more
ENGINE_TIPS = {"fast": "Pretrained style networks, offline: well under a second per avatar",
               "gatys": "Gatys et al.: tens of seconds to minutes per avatar; needs the VGG19 weights (~80 MB)"}


class EngineChoice(QWidget):
    """The engine box and, for the detailed engine without weights, a "Get VGG19 weights..." button.
    ``engine_changed(str)`` fires with "fast" or "gatys"; :attr:`gate` fetches or checks the weights."""

    engine_changed = pyqtSignal(str)

    def __init__(self, prefs: PanelSettings, notice: NoticeBar, weights_source: WeightsSource = WeightsSource(),
                 parent=None):
        super().__init__(parent)
        self.prefs = prefs
        self.box = QComboBox(self)
        self.box.setFocusPolicy(Qt.NoFocus)  # Space belongs to the snapshot shortcut
        for key, text in ENGINE_NAMES.items():
            self.box.addItem(text, key)
            self.box.setItemData(self.box.count() - 1, ENGINE_TIPS[key], Qt.ToolTipRole)
        self.box.setCurrentIndex(max(0, self.box.findData(prefs.engine)))
        self.box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)  # may shrink in a narrow dock
        self.box.setMinimumContentsLength(8)
        self.weights_button = QPushButton("Get VGG19 weights...", self)
        self.weights_button.setFocusPolicy(Qt.NoFocus)
        self.weights_button.clicked.connect(self.ask_for_weights)
        layout = QVBoxLayout(self)  # the button (detailed engine without weights) goes under the choice
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.box)
        layout.addWidget(self.weights_button)
        self.gate = WeightsGate(prefs, notice, weights_source, parent=self)
        self.gate.weights_ready.connect(lambda _: self._update_button())
        self.box.currentIndexChanged.connect(self._on_engine_chosen)
        self._update_button()

    @property
    def engine(self) -> str:
        return self.box.currentData()

    def set_engine(self, engine: str) -> None:
        self.box.setCurrentIndex(self.box.findData(engine))

    def weights(self) -> Path | None:
        """The VGG19 file to use (the one chosen, else the first found), None when there is none."""
        return self.gate.available()

    def ask_for_weights(self) -> None:
        """Offer the download (or a file the user has) again, even after "Not now"."""
        self.gate.declined = False
        self.gate.request()

    def _on_engine_chosen(self) -> None:
        self.prefs.engine = self.engine
        self._update_button()
        if self.engine == "gatys" and self.weights() is None:
            self.gate.request()
        self.engine_changed.emit(self.engine)

    def _update_button(self) -> None:
        self.weights_button.setVisible(self.engine == "gatys" and self.weights() is None)
