"""When an expensive read is next due: a recount stretches from its first slow run, a plain
read only from its second (one slow run on a busy host is not the table's size)."""

from __future__ import annotations

from console.metrics.cadence import CHEAP_SECONDS, RECOUNT_FACTOR, Cadence


class Clock:
    """The seconds a test says have passed: no waiting, and no load can change them."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _one_slow_run(cadence: Cadence, clock: Clock) -> None:
    cadence.start()
    clock.now += CHEAP_SECONDS * 1.2  # the read itself: slower than cheap
    cadence.done()


def test_a_recount_waits_after_one_slow_run_a_plain_read_does_not() -> None:
    clock = Clock()
    plain = Cadence(0.01, 100.0, clock=clock)
    recount = Cadence(0.01, 100.0, factor=RECOUNT_FACTOR, clock=clock)
    _one_slow_run(plain, clock)
    _one_slow_run(recount, clock)
    clock.now += 0.05  # five base intervals
    # the plain read is due again after its base interval; the recount waits its cost
    # times RECOUNT_FACTOR (~72 s here), its figure kept current by increments meanwhile
    assert plain.due()
    assert not recount.due()
    clock.now += 0.06 * RECOUNT_FACTOR
    assert recount.due()


def test_a_plain_read_stretches_after_two_slow_runs() -> None:
    clock = Clock()
    plain = Cadence(0.01, 100.0, clock=clock)
    _one_slow_run(plain, clock)
    clock.now += 0.05
    assert plain.due()
    _one_slow_run(plain, clock)
    clock.now += 0.05  # five base intervals: an unstretched read would be due by now
    assert not plain.due()
