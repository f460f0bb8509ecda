"""StyleJobWorker's hard cancel: a cancel the painter does not answer within ``grace_s`` ends the
painter process, and only then. Driven on a fake clock: the deadline is asserted exactly, with no
sleeping. The painter is a scripted stand-in that never answers (the real one would have to be made
to hang in TensorFlow's import to show this)."""

from __future__ import annotations

import pytest

from emocam.style.jobs import JobCancelled
from tests.fake_clock import FakeClock
from ui.avatars.style_worker import StyleJobWorker


class SilentPainter:
    """A runner whose process ignores cancels; ``answered`` jobs have been dropped by it."""

    def __init__(self, pending):
        self.pending_ids, self.cancelled, self.terminated = list(pending), [], 0

    def cancel(self, job_id=None):
        self.cancelled.append(job_id)

    def terminate(self):
        self.terminated += 1
        return JobCancelled(self.pending_ids[0])


# jobs pending, the job cancelled, fake seconds waited, jobs still pending then -> painter ended?
@pytest.mark.parametrize("pending, cancel, waited, still_pending, ended", [
    ([3], 3, 7.99, [3], False),  # within the grace period: wait
    ([3], 3, 8.0, [3], True),  # at the deadline: end it
    ([3], 3, 30.0, [3], True),
    ([3], 3, 30.0, [], False),  # it answered meanwhile: nothing to end
    ([3, 4], 3, 9.0, [4], False),  # the job behind the cancelled one is not a reason
    ([3, 4], None, 9.0, [3, 4], True),  # cancel all
])
def test_an_unanswered_cancel_ends_the_painter_after_the_grace_period(pending, cancel, waited, still_pending,
                                                                     ended):
    clock, painter = FakeClock(start=50.0), SilentPainter(pending)
    worker = StyleJobWorker(painter, grace_s=8.0, clock=clock)
    worker.cancel(cancel)
    assert painter.cancelled == [cancel]  # the polite cancel goes first, at once
    clock.advance(waited)
    painter.pending_ids = still_pending
    event = worker._hard_cancel_if_due()
    assert painter.terminated == int(ended)
    assert event == (JobCancelled(still_pending[0]) if ended else None)
    assert worker._hard_cancel_if_due() is None and painter.terminated == int(ended)  # once, not again
