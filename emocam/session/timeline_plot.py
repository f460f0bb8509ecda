"""The timeline plot of ``python -m emocam analyze --plot``: one panel per tracked face, the seven
probabilities over video time in the emotions' colours.

Uses matplotlib's Agg canvas directly (no pyplot): no GUI backend, no global plotting state.
"""

from __future__ import annotations

import io
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from emocam.emotions import EMOTIONS, NAMES, NUM_CLASSES
from emocam.fileio import atomic_file

MAX_PANELS = 8  # the longest tracks get a panel each; the rest are counted in the title


@dataclass
class TrackSeries:
    """One track's times and probabilities, stored compactly for the plot and the summary."""

    times: array = field(default_factory=lambda: array("d"))
    probs: array = field(default_factory=lambda: array("f"))
    labels: Counter = field(default_factory=Counter)

    def add(self, t: float, probabilities, label: str) -> None:
        self.times.append(t)
        self.probs.extend(probabilities)
        self.labels[label] += 1

    @property
    def dominant(self) -> tuple[str, float]:
        """The label shown most often and its share of this track's frames."""
        label, n = max(self.labels.items(), key=lambda kv: (kv[1], -NAMES.index(kv[0])))
        return label, n / sum(self.labels.values())


def save_timeline_plot(tracks: dict[int, TrackSeries], path: Path, duration_s: float, step_s: float,
                       title: str = "emotions per tracked face") -> Path:
    """A PNG (written atomically) with one panel per track (the longest :data:`MAX_PANELS`): the 7
    probabilities over ``duration_s`` seconds, broken where the face was away for over 2.5 steps."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    ranked = sorted(tracks.items(), key=lambda kv: -len(kv[1].times))
    shown = ranked[:MAX_PANELS]
    fig = Figure(figsize=(10, 1.0 + 2.0 * max(1, len(shown))), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(max(1, len(shown)), 1, sharex=True, squeeze=False)[:, 0]
    for ax, (track_id, series) in zip(axes, shown):
        _plot_track(ax, track_id, series, step_s)
    if not shown:
        axes[0].text(0.5, 0.5, "no faces found", ha="center", va="center", transform=axes[0].transAxes)
    axes[-1].set_xlim(0, max(duration_s, 1e-3))
    axes[-1].set_xlabel("seconds")
    if shown:
        fig.legend(handles=axes[0].get_lines(), labels=list(NAMES), loc="outside lower center",
                   ncol=NUM_CLASSES, frameon=False)
    hidden = len(ranked) - len(shown)
    fig.suptitle(title + (f" ({hidden} shorter track{'s' if hidden != 1 else ''} not shown)" if hidden else ""),
                 fontsize=11)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    with atomic_file(path, binary=True) as fh:
        fh.write(buffer.getvalue())
    return path


def _plot_track(ax, track_id: int, series: TrackSeries, step_s: float) -> None:
    t = np.frombuffer(series.times, np.float64)
    p = np.frombuffer(series.probs, np.float32).reshape(-1, NUM_CLASSES)
    breaks = np.flatnonzero(np.diff(t) > 2.5 * step_s) + 1  # where the face was away: no bridging line
    t, p = np.insert(t, breaks, np.nan), np.insert(p, breaks, np.nan, axis=0)
    for emotion in EMOTIONS:
        ax.plot(t, p[:, emotion.index], color=np.array(emotion.colour) / 255, linewidth=1.2, label=emotion.name)
    label, share = series.dominant
    ax.set_ylim(0, 1)
    ax.set_ylabel(f"track {track_id}")
    ax.set_title(f"track {track_id}: mostly {label} ({share:.0%} of {len(series.times)} frames)",
                 fontsize=9, loc="left")
    ax.grid(alpha=0.3)
