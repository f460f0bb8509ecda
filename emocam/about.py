"""What the About box and ``--help`` say about emocam's licences (see LICENSE, weights/MODEL_CARD.md
and THIRD_PARTY_NOTICES.md)."""

from __future__ import annotations

__version__ = "0.1.0"  # the one place the version is written (setup.cfg reads it)

CODE_LICENSE = "emocam's code is MIT-licensed (LICENSE)."
TERMS = ("The shipped emotion model was trained on FER2013, a dataset released for research only: "
         "use the shipped weights for research and personal experiments, not in a product; "
         "see the model card (weights/MODEL_CARD.md). " + CODE_LICENSE)


def about_text() -> str:
    """The About box's text: version, licences and the shipped weights' terms."""
    return (f"emocam {__version__}\nReal-time webcam emotion recognition.\n\n{TERMS}\n"
            "Third-party components and their licences: THIRD_PARTY_NOTICES.md.")
