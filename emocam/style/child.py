"""The painter process of :mod:`emocam.style.jobs`: limits its CPU use, then paints jobs in order with
the engine each asks for (fast: onnxruntime; gatys: TensorFlow, imported only then) and reports each step. Started only by :class:`~emocam.style.jobs.StyleJobRunner`."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import time
from pathlib import Path

from emocam.extras import missing_extra_message
from emocam.style.messages import JobCancelled, JobEvent, JobFailed, JobFinished, JobProgress, JobStarted, StyleJob

log = logging.getLogger(__name__)


FAST_ONLY_IDLE_EXIT_S = 3600.0  # the fast engine holds ~100 MB, not TensorFlow's GB: it may stay longer


def child_main(jobs, events, cancel_upto, threads: int, nice: int, idle_exit_s: float,
               preload_fast: bool = False) -> None:
    """The painter process: limit threads and priority (with ``preload_fast``, load the fast engine at
    once), then paint jobs in order until a None arrives, no job came for ``idle_exit_s`` seconds (its
    memory goes back; an hour while only the light fast engine is loaded), or the app is gone (then
    the running job stops too: no orphan keeps painting)."""
    _limit_cpu(threads, nice)
    from emocam.style.transfer import StyleCancelled

    painters: dict = {}
    if preload_fast:
        _preload_fast(painters, threads)
    while (job := _next_job(jobs, _idle_limit(painters, idle_exit_s))) is not None:
        if job.job_id <= cancel_upto.value:  # cancelled while it waited
            _send(events, JobCancelled(job.job_id))
            continue
        _send(events, JobStarted(job.job_id))
        started = time.monotonic()
        try:
            output = _paint(job, painters, events, lambda j=job.job_id: j <= cancel_upto.value or _app_gone(), threads)
            _send(events, JobFinished(job.job_id, output, time.monotonic() - started))
        except StyleCancelled:
            _send(events, JobCancelled(job.job_id))
        except Exception as e:  # every failure becomes a message; the process serves the next job
            log.exception("style job %d failed", job.job_id)
            advice = missing_extra_message(e.name or "", "painting avatars") \
                if isinstance(e, ModuleNotFoundError) else None
            _send(events, JobFailed(job.job_id, f"avatar not made: {advice or e}"))


def _preload_fast(painters: dict, threads: int) -> None:
    from emocam.style.messages import StyleJob
    from emocam.style.transfer import StyleSettings

    try:
        _painter(StyleJob(0, Path(), Path(), Path(), StyleSettings(engine="fast")), painters, threads)
    except Exception as e:  # the first job reports it to the user; nothing to do here
        log.warning("fast avatar engine not preloaded: %s", e)


def _idle_limit(painters: dict, idle_exit_s: float) -> float:
    gatys = any(key[0] == "gatys" for key in painters)
    return idle_exit_s if gatys or not painters else max(idle_exit_s, FAST_ONLY_IDLE_EXIT_S)


def _app_gone() -> bool:
    parent = mp.parent_process()
    return parent is not None and not parent.is_alive()


def _next_job(jobs, idle_exit_s: float) -> StyleJob | None:
    """The next job; None when told to stop, after ``idle_exit_s`` without work, or when the app is gone."""
    give_up = time.monotonic() + idle_exit_s
    while True:
        try:
            return jobs.get(timeout=min(1.0, idle_exit_s))
        except queue.Empty:
            if _app_gone() or time.monotonic() > give_up:
                return None


def _limit_cpu(threads: int, nice: int) -> None:
    """Before TensorFlow is imported (only the Gatys engine imports it): its thread pools are sized
    once, at first use."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s [style worker]: %(message)s")
    for name in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if nice and hasattr(os, "nice"):
        os.nice(nice)


def _painter(job: StyleJob, painters: dict, threads: int):
    """The engine for ``job``, built once per process (per weights file for Gatys)."""
    if job.settings.engine == "fast":
        key = ("fast", job.networks)
        if key not in painters:
            from emocam.style.fast import FastStyleTransfer, default_vector_cache

            painters[key] = FastStyleTransfer(job.networks, threads, default_vector_cache())
        return painters[key]
    key = ("gatys", "random" if job.random_vgg_for_tests else job.weights)
    if key not in painters:
        import tensorflow as tf

        from emocam.style.transfer import StyleTransfer, build_vgg

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
        painters[key] = StyleTransfer(vgg=build_vgg(None)) if job.random_vgg_for_tests else StyleTransfer(job.weights)
    return painters[key]


def _paint(job: StyleJob, painters: dict, events, cancelled, threads: int = 1) -> Path:
    from emocam.fileio import save_png_atomic
    from emocam.style.images import load_rgb

    content, style = load_rgb(job.content), load_rgb(job.style)
    painter = _painter(job, painters, threads)

    def progress(p) -> None:
        _send(events, JobProgress(job.job_id, p.step, p.total, p.loss, p.fraction, p.preview),
              droppable=p.preview is None and p.step < p.total)

    image = painter.stylize(content, style, job.settings, progress, cancelled)
    return save_png_atomic(image, job.output)


def _send(events, event: JobEvent, droppable: bool = False) -> None:
    """Plain progress is dropped when the parent lags; everything else waits for room (not for an
    app that is gone)."""
    while True:
        try:
            events.put(event, block=not droppable, timeout=1.0 if not droppable else None)
            return
        except queue.Full:
            if droppable or _app_gone():
                return
