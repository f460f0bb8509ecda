"""Confusion-matrix pictures for ``python -m emocam evaluate --report-dir``.

Uses matplotlib's Agg canvas directly (no pyplot), so nothing here touches a GUI backend or
global plotting state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from emocam.fileio import atomic_path

log = logging.getLogger(__name__)


def confusion_figure(matrix: Sequence[Sequence[float]], names: Sequence[str], title: str,
                     normalized: bool):
    """A matplotlib Figure of ``matrix`` (rows = true class), one number in each cell."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    values = np.asarray(matrix, dtype=np.float64)
    fig = Figure(figsize=(7.5, 6.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1 if normalized else max(values.max(), 1))
    fig.colorbar(image, ax=ax, shrink=0.85)
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, labels=names, rotation=45, ha="right")
    ax.set_yticks(ticks, labels=names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    _annotate(ax, values, normalized)
    return fig


def _annotate(ax, values: np.ndarray, normalized: bool) -> None:
    # dark cells get white text so the number stays readable
    threshold = (1.0 if normalized else max(values.max(), 1)) / 2
    for (row, col), value in np.ndenumerate(values):
        text = f"{value:.2f}" if normalized else f"{int(value)}"
        ax.text(col, row, text, ha="center", va="center", fontsize=9,
                color="white" if value > threshold else "black")


def save_confusion_plots(result: dict, out_dir: Path) -> list[Path]:
    """Write ``confusion_counts.png`` and ``confusion_normalized.png`` for an evaluate result."""
    names = [row["name"] for row in result["per_class"]]
    subtitle = f"{Path(result['model']).name} on {Path(result['data']).name} (n={result['n']})"
    plots = (
        ("confusion_counts.png", result["confusion_matrix"], "counts", False),
        ("confusion_normalized.png", result["confusion_matrix_normalized"], "row-normalised", True),
    )
    written = []
    for file_name, matrix, kind, normalized in plots:
        fig = confusion_figure(matrix, names, f"Confusion matrix, {kind}\n{subtitle}", normalized)
        path = Path(out_dir) / file_name
        with atomic_path(path) as tmp:
            fig.savefig(tmp, bbox_inches="tight", format="png")
        written.append(path)
    return written
