"""The painter process: a real child process (spawn) running real jobs, with the fast engine's shipped
networks and the Gatys engine on an untrained VGG19 at tiny sizes; progress, cancel, failures and
crashes come back as events, and the runner carries on."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import cv2
import pytest

from emocam.live.sources import DEMO_IMAGE
from emocam.style.images import STYLES_DIR
from emocam.style.jobs import (JobCancelled, JobFailed, JobFinished, JobProgress, JobQueueFull, JobStarted, StyleJob,
                               StyleJobRunner)
from emocam.style.transfer import StyleSettings
from tests.emocam.vgg_files import process_running, wait_gone

QUICK = StyleSettings(size=64, scales=(0.5, 1.0), steps=(3, 3), face_crop=False, preview_interval_s=0, engine="gatys")
LONG = StyleSettings(size=64, scales=(0.5, 1.0), steps=(5000, 1), face_crop=False, engine="gatys")
FAST = StyleSettings(size=96, face_crop=False)


@pytest.fixture(scope="module")
def runner():
    runner = StyleJobRunner(threads=1)
    yield runner
    runner.close()
    assert runner.pid is None


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("content") / "snapshot.png"
    cv2.imwrite(str(path), cv2.resize(cv2.imread(str(DEMO_IMAGE)), (96, 96)))
    return path


def job(runner: StyleJobRunner, content: Path, settings=QUICK, **changes) -> StyleJob:
    fields = dict(job_id=runner.next_id(), content=content, style=STYLES_DIR / "ember.png",
                  output=content.with_name(f"avatar-{time.monotonic_ns()}.png"), settings=settings,
                  random_vgg_for_tests=True)
    return StyleJob(**{**fields, **changes})


def collect(runner: StyleJobRunner, until, timeout: float = 300.0) -> list:
    """Events until ``until(event)`` is true (that event included); fails after ``timeout`` seconds (a hang
    guard, not a bound: the painter starting TensorFlow on a loaded 2-core machine took over 90 s)."""
    events, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        event = runner.poll(0.1)
        if event is not None:
            events.append(event)
            if until(event):
                return events
    pytest.fail(f"no final event within {timeout} s; got {events[-5:]}")


def finished(job_id: int):
    return lambda e: isinstance(e, (JobFinished, JobFailed, JobCancelled)) and e.job_id == job_id


def test_a_job_reports_start_progress_previews_and_its_file(runner, content) -> None:
    j = job(runner, content)
    runner.submit(j)
    assert runner.busy and runner.pid is not None and runner.pid != os.getpid()
    events = collect(runner, finished(j.job_id))
    assert isinstance(events[0], JobStarted) and isinstance(events[-1], JobFinished), events
    steps = [e for e in events if isinstance(e, JobProgress)]
    assert [e.step for e in steps] == list(range(1, 7)) and steps[-1].fraction == 1.0
    assert steps[-1].preview.shape == (64, 64, 3)
    output = events[-1].output
    assert output == j.output and cv2.imread(str(output)).shape == (64, 64, 3)
    assert not runner.busy


def test_cancel_stops_the_running_job_and_the_process_serves_the_next(runner, content) -> None:
    long = job(runner, content, LONG)
    runner.submit(long)
    collect(runner, lambda e: isinstance(e, JobProgress) and e.step >= 2)
    pid = runner.pid
    runner.cancel(long.job_id)
    events = collect(runner, finished(long.job_id))  # no wall-clock bound: a loaded machine would flake it
    assert isinstance(events[-1], JobCancelled)
    steps = [e.step for e in events if isinstance(e, JobProgress) and e.job_id == long.job_id]
    assert max(steps, default=2) < 5000  # stopped mid-job, not run to its end
    assert not long.output.exists()
    quick = job(runner, content)
    runner.submit(quick)
    assert isinstance(collect(runner, finished(quick.job_id))[-1], JobFinished)
    assert runner.pid == pid, "a cancel must not cost the warm process"


def test_cancel_all_includes_waiting_jobs(runner, content) -> None:
    first, second = job(runner, content, LONG), job(runner, content)
    runner.submit(first)
    runner.submit(second)
    collect(runner, lambda e: isinstance(e, JobProgress))
    runner.cancel()
    events = collect(runner, finished(second.job_id))
    done = {e.job_id: type(e) for e in events if isinstance(e, (JobFinished, JobCancelled, JobFailed))}
    assert done == {first.job_id: JobCancelled, second.job_id: JobCancelled}


def test_a_fast_job_paints_in_the_same_process_and_reports_three_steps(runner, content) -> None:
    j = job(runner, content, FAST)
    runner.submit(j)
    events = collect(runner, finished(j.job_id))
    assert isinstance(events[-1], JobFinished) and events[-1].seconds < 30
    assert [e.step for e in events if isinstance(e, JobProgress)] == [1, 2, 3]
    painted, photo = cv2.imread(str(j.output)), cv2.resize(cv2.imread(str(content)), (96, 96))
    assert painted.shape == (96, 96, 3) and abs(painted.astype(int) - photo.astype(int)).mean() > 10


def test_a_fast_job_behind_a_crash_or_a_cancel_still_paints(runner, content) -> None:
    victim, fast = job(runner, content, LONG), job(runner, content, FAST)
    runner.submit(victim)
    runner.submit(fast)
    collect(runner, lambda e: isinstance(e, JobProgress))
    os.kill(runner.pid, signal.SIGKILL)
    events = collect(runner, finished(fast.job_id))
    assert [(type(e), e.job_id) for e in events if isinstance(e, (JobFailed, JobFinished))] == [
        (JobFailed, victim.job_id), (JobFinished, fast.job_id)]
    first, second = job(runner, content, LONG), job(runner, content, FAST)
    runner.submit(first)
    runner.submit(second)
    collect(runner, lambda e: isinstance(e, JobProgress))
    runner.cancel()
    done = {e.job_id: type(e) for e in collect(runner, finished(second.job_id))
            if isinstance(e, (JobFinished, JobCancelled, JobFailed))}
    assert done == {first.job_id: JobCancelled, second.job_id: JobCancelled}
    assert not second.output.exists()


def test_a_warmed_up_painter_has_the_fast_engine_ready_for_the_first_avatar(content) -> None:
    warm = StyleJobRunner(threads=1, preload_fast=True)
    try:
        warm.warm_up()
        assert warm.pid is not None and not warm.busy
        first = job(warm, content, FAST)
        warm.submit(first)
        events = collect(warm, finished(first.job_id))
        assert isinstance(events[-1], JobFinished) and first.output.is_file()
    finally:
        warm.close()
    assert warm.pid is None


def test_a_damaged_network_fails_the_job_with_the_reason(runner, content, tmp_path) -> None:
    from emocam.style.networks import NETWORKS_DIR, PINNED

    for pinned in PINNED:
        (tmp_path / pinned.name).write_bytes((NETWORKS_DIR / pinned.name).read_bytes()[:-10])
    broken = job(runner, content, FAST, networks=tmp_path)
    runner.submit(broken)
    event = collect(runner, finished(broken.job_id))[-1]
    assert isinstance(event, JobFailed) and "refused" in event.message and "damaged or was replaced" in event.message
    assert not broken.output.exists()


def test_a_failing_job_becomes_a_message_and_the_next_runs(runner, content, tmp_path) -> None:
    broken = job(runner, tmp_path / "gone.png")
    missing_weights = job(runner, content, random_vgg_for_tests=False, weights=tmp_path / "no-vgg.h5")
    runner.submit(broken)
    runner.submit(missing_weights)
    failed = [e for e in collect(runner, finished(missing_weights.job_id)) if isinstance(e, JobFailed)]
    assert [e.job_id for e in failed] == [broken.job_id, missing_weights.job_id]
    assert "gone.png: no such image file" in failed[0].message
    assert "no-vgg.h5: no such file" in failed[1].message


def test_a_crash_is_reported_and_a_fresh_process_takes_the_next_job(runner, content) -> None:
    victim, behind = job(runner, content, LONG), job(runner, content)
    runner.submit(victim)
    runner.submit(behind)
    collect(runner, lambda e: isinstance(e, JobProgress))
    old_pid = runner.pid
    os.kill(old_pid, signal.SIGKILL)  # what the kernel does when memory runs out
    events = collect(runner, finished(behind.job_id))
    failed = [e for e in events if isinstance(e, JobFailed)]
    assert [e.job_id for e in failed] == [victim.job_id]
    assert "stopped unexpectedly" in failed[0].message and "SIGKILL" in failed[0].message
    assert isinstance(events[-1], JobFinished) and events[-1].job_id == behind.job_id
    assert runner.pid not in (None, old_pid)


def test_a_crash_noticed_only_at_the_next_submit_is_still_reported(runner, content) -> None:
    victim = job(runner, content, LONG)
    runner.submit(victim)
    collect(runner, lambda e: isinstance(e, JobProgress))
    dead = runner.pid
    os.kill(dead, signal.SIGKILL)
    while process_running(dead):
        time.sleep(0.05)
    after = job(runner, content)
    runner.submit(after)  # before any poll() saw the death
    events = collect(runner, finished(after.job_id))
    assert [(type(e), e.job_id) for e in events if isinstance(e, (JobFailed, JobFinished))] == [
        (JobFailed, victim.job_id), (JobFinished, after.job_id)]


def test_terminate_ends_a_job_that_does_not_answer(runner, content) -> None:
    long = job(runner, content, LONG)
    runner.submit(long)
    collect(runner, lambda e: isinstance(e, JobProgress))
    assert runner.terminate() == JobCancelled(long.job_id)
    assert runner.pid is None and not runner.busy


def test_an_idle_painter_gives_its_memory_back_and_comes_back_when_needed(content) -> None:
    idle = StyleJobRunner(threads=1, idle_exit_s=1.0)
    try:
        first = job(idle, content)
        idle.submit(first)
        collect(idle, finished(first.job_id))
        pid = idle.pid
        # is_alive() may notice the exit a moment after the process is gone
        assert wait_gone(pid, also=lambda: idle.pid is not None), "the idle painter never left"
        assert not process_running(pid) and idle.pid is None
        second = job(idle, content)
        idle.submit(second)
        assert isinstance(collect(idle, finished(second.job_id))[-1], JobFinished)
    finally:
        idle.close()


def test_the_queue_is_bounded(content) -> None:
    small = StyleJobRunner(threads=1, max_waiting=1)
    try:
        small.submit(job(small, content, LONG))
        small.submit(job(small, content, LONG))
        with pytest.raises(JobQueueFull, match="already waiting"):
            small.submit(job(small, content, LONG))
    finally:
        small.close(timeout=1)
    assert small.pid is None


_ORPHAN_PARENT = """
import os, sys
from pathlib import Path
from emocam.style.jobs import JobProgress, StyleJob, StyleJobRunner
from emocam.style.transfer import StyleSettings
from tests.emocam.vgg_files import process_running
runner = StyleJobRunner(threads=1)
settings = StyleSettings(size=64, scales=(1.0,), steps=(100000,), face_crop=False, engine="gatys")
runner.submit(StyleJob(runner.next_id(), Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), settings,
                       random_vgg_for_tests=True))
while not isinstance(runner.poll(0.5), JobProgress):
    pass
print(runner.pid, flush=True)
os._exit(0)  # the app dies without closing anything
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_no_painter_outlives_the_app_even_mid_job(content, tmp_path) -> None:
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[3]
    with open(tmp_path / "stderr.txt", "w") as err:
        app = subprocess.Popen([sys.executable, "-c", _ORPHAN_PARENT, str(content), str(STYLES_DIR / "ember.png"),
                                str(tmp_path / "a.png")], cwd=repo, stdout=subprocess.PIPE, stderr=err, text=True)
    child = None
    try:
        line = app.stdout.readline()
        assert line.strip().isdigit(), f"the app died early: {(tmp_path / 'stderr.txt').read_text()[-2000:]}"
        child = int(line)
        app.wait(120)
        assert wait_gone(child), "the painter kept running after the app died"
    finally:
        if child is not None and process_running(child):
            os.kill(child, signal.SIGKILL)  # never leave our own orphan behind, even when failing
        app.stdout.close()
