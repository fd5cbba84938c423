"""When an expensive read is next due: a recount stretches from its first slow run, a plain
read only from its second (one slow run on a busy host is not the table's size)."""

from __future__ import annotations

import time

from console.metrics.cadence import CHEAP_SECONDS, RECOUNT_FACTOR, Cadence


def _due_within(cadence: Cadence, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not cadence.due() and time.monotonic() < deadline:
        time.sleep(0.005)
    return cadence.due()


def _one_slow_run(cadence: Cadence) -> None:
    cadence.start()
    time.sleep(CHEAP_SECONDS * 1.2)  # the read itself: slower than cheap
    cadence.done()


def test_a_recount_waits_after_one_slow_run_a_plain_read_does_not() -> None:
    plain = Cadence(0.01, 100.0)
    recount = Cadence(0.01, 100.0, factor=RECOUNT_FACTOR)
    _one_slow_run(plain)
    _one_slow_run(recount)
    # the plain read is due again after its base interval; the recount waits its cost
    # times RECOUNT_FACTOR (~72 s here), its figure kept current by increments meanwhile
    assert _due_within(plain, 5), "the plain read was never due again"
    time.sleep(0.05)  # five base intervals: an unstretched recount would be due by now
    assert not recount.due()


def test_a_plain_read_stretches_after_two_slow_runs() -> None:
    plain = Cadence(0.01, 100.0)
    _one_slow_run(plain)
    assert _due_within(plain, 5), "the plain read was never due again"
    _one_slow_run(plain)
    time.sleep(0.05)  # five base intervals: an unstretched read would be due by now
    assert not plain.due()
