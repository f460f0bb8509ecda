"""Help ▸ About: the version, the licences, the shipped weights' terms and the user's folders
(models, cascades, styles, cache, log), each folder a clickable link."""

from __future__ import annotations

import html

from PyQt5.QtCore import Qt, QUrl
from PyQt5.QtWidgets import QMessageBox, QWidget

from emocam import resources
from emocam.about import about_text


def about_html() -> str:
    """The About box's rich text: :func:`emocam.about.about_text` plus the per-user folders as links."""
    paragraphs = [html.escape(part).replace("\n", "<br>") for part in about_text().split("\n\n")]
    folders = [(f"{kind} ({resources.DROP_INS[kind]})", path) for kind, path in resources.drop_in_dirs().items()]
    folders += [("cache of converted models", resources.model_cache_dir()), ("logs", resources.log_dir())]
    rows = "".join(f"<li>{html.escape(what)}: <a href='{QUrl.fromLocalFile(str(path)).toString()}'>"
                   f"{html.escape(str(path))}</a></li>" for what, path in folders)
    return "".join(f"<p>{p}</p>" for p in paragraphs) + f"<p>Your own files go in:</p><ul>{rows}</ul>"


def show_about(parent: QWidget | None) -> QMessageBox:
    """Open the (non-modal) About box over ``parent``; returns it."""
    box = QMessageBox(QMessageBox.Information, "About emocam", about_html(), QMessageBox.Close, parent)
    box.setTextFormat(Qt.RichText)
    box.setTextInteractionFlags(Qt.TextBrowserInteraction)  # folder links open in the file manager
    box.setModal(False)
    box.show()
    return box
