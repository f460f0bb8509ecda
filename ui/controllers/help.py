"""The Help menu's About dialog: version, the model in use with its card summary, and licences."""

from __future__ import annotations

import html
import json
from pathlib import Path

from PyQt5.QtCore import Qt
from PyQt5.QtWidgets import QMessageBox, QWidget

from emocam.style.credits import credits_text

from ..controllers.menus import HELP, MenuItem, make_action
from ..widgets.about_box import about_html

LICENCES = ("emocam: MIT. Qt / PyQt5: GPL v3 (PyQt5) on LGPL Qt. OpenCV and its Haar cascades: Apache 2.0 / "
            "BSD (Intel licence in each XML). LiteRT / TensorFlow: Apache 2.0. Emoji images: see assets/emojis. "
            "The shipped model was trained on FER2013, a research data set: not for commercial use.")


class HelpController:
    """Declares Help > About emocam; the dialog reads the model controller's current model."""

    def __init__(self, window: QWidget, models):
        self.window, self.models = window, models
        self.about = make_action(window, "&About emocam")
        self.about.triggered.connect(self.show_about)
        self.box: QMessageBox | None = None

    def menu_items(self) -> list[MenuItem]:
        return [MenuItem(HELP, self.about)]

    def about_text(self) -> str:
        """Rich text: version, model name and card summary, licences."""
        from emocam import __version__

        path = self.models.model_path
        model = html.escape(path.name) if path else "none loaded"
        return (f"<h3>emocam {html.escape(__version__)}</h3>"
                "<p>Real-time emotion recognition: Haar face detection and a small CNN scoring 7 emotions "
                "(Angry, Disgust, Fear, Happy, Sad, Surprise, Neutral).</p>"
                f"<p><b>Model:</b> {model}<br>{html.escape(card_summary(path))}</p>"
                f"<p><small>{html.escape(LICENCES)}</small></p>"
                + about_html()  # the weights' terms and the user's own folders, as links
                + "".join(f"<p><small>{html.escape(part)}</small></p>" for part in credits_text().split("\n\n")))

    def show_about(self) -> None:
        self.box = QMessageBox(QMessageBox.Information, "About emocam", self.about_text(), parent=self.window)
        self.box.setTextFormat(Qt.RichText)
        self.box.setTextInteractionFlags(Qt.TextBrowserInteraction)  # folder links open in the file manager
        self.box.open()


def card_summary(model: Path | None) -> str:
    """One line from the model's card (``<model>.card.json`` or ``<stem>.json`` beside it), if any."""
    if model is None:
        return ""
    for card in (model.with_name(model.name + ".card.json"), model.with_suffix(".card.json"), model.with_suffix(".json")):
        try:
            data = json.loads(card.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        parts = _card_parts(data)
        return "; ".join(parts)[:300] or f"card: {card.name}"
    return "No model card found beside the file."


def _card_parts(card: dict) -> list[str]:
    recipe = card.get("recipe") if isinstance(card.get("recipe"), dict) else {}
    members = [m for m in card.get("members", []) if isinstance(m, dict)]
    parts = [f"{len(members)}-member ensemble" if len(members) > 1 else "single network"]
    if recipe.get("int8"):
        parts.append("int8")
    metrics = next((m["val_metrics"] for m in members if isinstance(m.get("val_metrics"), dict)), {})
    for key, name in (("accuracy", "validation accuracy"), ("macro_f1", "macro-F1")):
        if isinstance(metrics.get(key), (int, float)):
            parts.append(f"{name} {metrics[key]:.3f}")
    train = next((m["data"]["train"] for m in members if isinstance(m.get("data"), dict)
                  and isinstance(m["data"].get("train"), dict)), {})
    if "n" in train:
        parts.append(f"trained on FER2013 ({train['n']} images)")
    if card.get("date"):
        parts.append(f"built {str(card['date'])[:10]}")
    return parts
