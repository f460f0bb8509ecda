"""Confusion-matrix pictures for ``python -m emocam evaluate --report-dir``.

Uses matplotlib's Agg canvas directly (no pyplot), so nothing here touches a GUI backend or
global plotting state.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from emocam.fileio import atomic_write_bytes

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
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", bbox_inches="tight")
        atomic_write_bytes(path, buffer.getvalue())  # a complete PNG or none; never through a link
        written.append(path)
    return written


def reliability_figure(calibration: dict, title: str):
    """Top-label reliability diagram: accuracy per confidence bin against the diagonal, with counts."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    edges = np.asarray(calibration["edges"])
    centres, width = (edges[:-1] + edges[1:]) / 2, np.diff(edges)
    count = np.asarray(calibration["count"])
    fig = Figure(figsize=(6.5, 6.5), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax, counts = fig.subplots(2, 1, height_ratios=(3, 1), sharex=True)
    used = count > 0
    ax.bar(centres[used], np.asarray(calibration["accuracy"])[used], width=width[used], edgecolor="black",
           color="#4c72b0", label="accuracy in bin")
    ax.plot([0, 1], [0, 1], "--", color="gray", label="perfectly calibrated")
    ax.plot(np.asarray(calibration["confidence"])[used], np.asarray(calibration["accuracy"])[used], "o",
            color="#dd8452", label="mean confidence")
    ax.set_ylabel("accuracy")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(f"{title}\nexpected calibration error {calibration['ece']:.4f}")
    ax.legend(loc="upper left")
    counts.bar(centres, count, width=width, color="#8c8c8c", edgecolor="black")
    counts.set_xlabel("confidence of the top emotion")
    counts.set_ylabel("faces")
    return fig


def save_reliability_plot(result: dict, out_dir: Path) -> list[Path]:
    """Write ``reliability.png`` for an evaluate result that has a ``calibration`` entry."""
    if "calibration" not in result:
        return []
    subtitle = f"{Path(result['model']).name} on {Path(result['data']).name} (n={result['n']})"
    fig = reliability_figure(result["calibration"], f"Reliability\n{subtitle}")
    path = Path(out_dir) / "reliability.png"
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    atomic_write_bytes(path, buffer.getvalue())
    return [path]
