"""The painter process of :mod:`emocam.style.jobs`: limits its CPU use before TensorFlow starts,
then paints jobs in order and reports each step. Started only by :class:`~emocam.style.jobs.StyleJobRunner`."""

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


def child_main(jobs, events, cancel_upto, threads: int, nice: int, idle_exit_s: float) -> None:
    """The painter process: limit threads and priority, then paint jobs in order until a None arrives,
    no job came for ``idle_exit_s`` seconds (its memory goes back), or the app is gone (then the
    running job stops too: no orphan keeps painting)."""
    _limit_cpu(threads, nice)
    from emocam.style.transfer import StyleCancelled

    painters: dict = {}
    while (job := _next_job(jobs, idle_exit_s)) is not None:
        if job.job_id <= cancel_upto.value:  # cancelled while it waited
            _send(events, JobCancelled(job.job_id))
            continue
        _send(events, JobStarted(job.job_id))
        started = time.monotonic()
        try:
            output = _paint(job, painters, events, lambda j=job.job_id: j <= cancel_upto.value or _app_gone())
            _send(events, JobFinished(job.job_id, output, time.monotonic() - started))
        except StyleCancelled:
            _send(events, JobCancelled(job.job_id))
        except Exception as e:  # every failure becomes a message; the process serves the next job
            log.exception("style job %d failed", job.job_id)
            advice = missing_extra_message(e.name or "", "painting avatars") \
                if isinstance(e, ModuleNotFoundError) else None
            _send(events, JobFailed(job.job_id, f"avatar not made: {advice or e}"))


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
    """Before TensorFlow is imported: its thread pools are sized once, at first use."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s [style worker]: %(message)s")
    for name in ("TF_NUM_INTRAOP_THREADS", "OMP_NUM_THREADS"):
        os.environ[name] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if nice and hasattr(os, "nice"):
        os.nice(nice)
    try:
        import tensorflow as tf
    except ModuleNotFoundError:  # a light install: each Gatys job then fails with the extra to install
        return
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)


def _paint(job: StyleJob, painters: dict, events, cancelled) -> Path:
    from emocam.fileio import save_png_atomic
    from emocam.style.images import load_rgb
    from emocam.style.transfer import StyleTransfer, build_vgg

    content, style = load_rgb(job.content), load_rgb(job.style)
    key = "random" if job.random_vgg_for_tests else job.weights
    if key not in painters:  # the VGG19 is built once per process and weights file
        painters[key] = StyleTransfer(vgg=build_vgg(None)) if job.random_vgg_for_tests else StyleTransfer(job.weights)

    def progress(p) -> None:
        _send(events, JobProgress(job.job_id, p.step, p.total, p.loss, p.fraction, p.preview),
              droppable=p.preview is None and p.step < p.total)

    image = painters[key].stylize(content, style, job.settings, progress, cancelled)
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
