"""``python -m emocam bench`` results: the summary (what ``--json`` prints), the table, the chart."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from emocam.bench.loops import STAGE_TITLES, STAGES, LoopRecord
from emocam.fileio import atomic_write_bytes

LOOPS = ("classic", "emocam")


def summarize(records: list[LoopRecord], live: dict, frames: int, source: str, model: str) -> dict:
    """One JSON-ready dict: speeds, ratio, faces found, per-stage median/p95 ms, live-path numbers."""
    classic, emocam = records
    classic_fps, emocam_fps = _fps(classic), _fps(emocam)
    return {
        "frames": frames, "source": source, "model": model, "cpus": os.cpu_count(),
        "classic_fps": round(classic_fps, 2), "emocam_fps": round(emocam_fps, 2),
        "ratio": round(emocam_fps / classic_fps, 2),
        "classic_face_frames": classic.face_frames, "emocam_face_frames": emocam.face_frames,
        "predict_ms": _median(classic.per_face), "per_face_ms": _median(emocam.per_face),
        "first_frame_s": _round(live.get("first_frame_s"), 3), "rss_mb": _round(live.get("rss_mb"), 1),
        "tensorflow_in_live_path": bool(live.get("tensorflow_imported")),
        "stages": {name: _stages(record) for name, record in zip(LOOPS, records)},
    }


def _fps(record: LoopRecord) -> float:
    return 1e3 * len(record.total) / max(sum(record.total), 1e-9)


def _stages(record: LoopRecord) -> dict:
    series = {**record.stages, "total": record.total}
    return {stage: {"median_ms": _median(ms), "p95_ms": _round(np.percentile(ms, 95), 3)}
            for stage, ms in series.items()}


def _median(values: list[float]) -> float | None:
    return _round(np.median(values), 3) if len(values) else None


def _round(value, digits: int):
    return None if value is None else round(float(value), digits)


def format_table(report: dict) -> str:
    """The human-readable comparison: one row per measure, classic and emocam side by side."""
    st = report["stages"]
    rows = [("", "classic", "emocam", "emocam/classic"),
            ("frames per second", f"{report['classic_fps']:.1f}", f"{report['emocam_fps']:.1f}",
             f"{report['ratio']:.1f}x faster")]
    for stage in ("total",) + STAGES:
        title = "ms per frame" if stage == "total" else f"  {STAGE_TITLES[stage]} ms"
        rows.append((f"{title} (median / p95)", *(_ms(st[loop][stage]) for loop in LOOPS), ""))
    n = report["frames"]
    rows.append(("frames with a face", f"{report['classic_face_frames']}/{n}",
                 f"{report['emocam_face_frames']}/{n}", ""))
    if "reference_faces" in report:
        ref = report["reference_faces"]
        rows.append((f"faces found of {ref} (full-res scan)", *(_recall(report, loop) for loop in LOOPS), ""))
    rows.append(("classifier ms per face (median)", _num(report["predict_ms"]), _num(report["per_face_ms"]),
                 _speedup(report["predict_ms"], report["per_face_ms"])))
    rows.append(("", "Keras predict", "LiteRT", ""))
    head = (f"emocam bench: {n} frames of {report['source']}; model {report['model']}; "
            f"{report['cpus']} CPUs; both loops in one process, taking turns on the same frames")
    return "\n".join([head, "", *_aligned(rows), "", _live_line(report)])


def _recall(report: dict, loop: str) -> str:
    recall = report.get(f"{loop}_recall")
    return "-" if recall is None else f"{100 * recall:.1f}%"


def _ms(stage: dict) -> str:
    return f"{_num(stage['median_ms'])} / {_num(stage['p95_ms'])}"


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _speedup(slow: float | None, fast: float | None) -> str:
    return f"{slow / fast:.0f}x faster" if slow and fast else ""


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths)))
            .rstrip() for row in rows]


def _live_line(report: dict) -> str:
    tf = "imported TensorFlow (the cached model was not used?)" if report["tensorflow_in_live_path"] \
        else "TensorFlow not imported"
    first = "-" if report["first_frame_s"] is None else f"{report['first_frame_s']:.2f} s"
    rss = "-" if report["rss_mb"] is None else f"{report['rss_mb']:.0f} MB"
    return f"live path in a fresh process (model cached): first frame after {first}, peak RSS {rss}, {tf}"


def save_plot(report: dict, path: Path) -> Path:
    """Median ms per stage for both loops (p95 as whiskers, log scale) and frames per second."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    stages_ax, fps_ax = fig.subplots(1, 2, width_ratios=(3, 1))
    _stage_bars(stages_ax, report["stages"])
    fps = [report["classic_fps"], report["emocam_fps"]]
    fps_ax.bar(LOOPS, fps, color=["tab:gray", "tab:blue"])
    fps_ax.set_ylabel("frames per second")
    fps_ax.set_title(f"emocam {report['ratio']:.1f}x faster")
    fig.suptitle(f"{report['frames']} frames of {report['source']}, model {report['model']}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return atomic_write_bytes(Path(path), buffer.getvalue())


def _stage_bars(ax, stages: dict) -> None:
    names = ("total",) + STAGES
    y = np.arange(len(names))
    for offset, loop, colour in ((-0.2, "classic", "tab:gray"), (0.2, "emocam", "tab:blue")):
        med = np.array([stages[loop][s]["median_ms"] or np.nan for s in names])  # 0: no such stage
        p95 = np.array([stages[loop][s]["p95_ms"] or np.nan for s in names])
        ax.barh(y + offset, med, height=0.4, color=colour, label=loop,
                xerr=[np.zeros_like(med), np.nan_to_num(np.maximum(p95 - med, 0))], capsize=3)
    ax.set_yticks(y, labels=["per frame" if s == "total" else STAGE_TITLES[s] for s in names])
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(left=0.01)
    ax.set_xlabel("ms (bar: median, whisker: p95; log scale)")
    ax.legend(loc="lower right")
