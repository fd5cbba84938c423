"""The dashboard's pure rules: text that never cuts a word, a status line that keeps the
essentials at any width, backoff, refresh ladder and per-minute series."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.dashboard_samples import NOW, TAKEN, buckets

from console.core.db import ConnectionFailed
from screens.controllers.polling import PollState, next_interval
from screens.failures import describe_failure
from screens.formatting import per_minute, shorten, shorten_left, sparkline
from screens.widgets.status_bar import StatusInfo, fit_status

WORDS = st.lists(st.text("abcdefghij", min_size=1, max_size=12), min_size=1, max_size=12)


@given(WORDS, st.integers(min_value=2, max_value=60))
def test_shorten_fits_and_never_ends_inside_a_word(words: list[str], width: int) -> None:
    text = " ".join(words)
    short = shorten(text, width)
    assert len(short) <= width
    if short != text:
        assert short.endswith("…")
        kept = short[:-1].split()
        if len(words[0]) >= width:  # one word longer than the space: cut, and says so
            assert kept == [words[0][: width - 1]]
        else:
            assert kept == words[: len(kept)]  # whole words only, in order


def test_shorten_left_keeps_the_distinguishing_end_of_event_types() -> None:
    assert shorten_left("payment_intent.succeeded", 18) == "…intent.succeeded"
    assert shorten_left("checkout.session.completed", 18) == "…session.completed"
    assert shorten_left("charge.refunded", 18) == "charge.refunded"


def status(width: int, **kw) -> str:
    values = dict(
        environment="production",
        db_host="db.internal:5432",
        allow_write=False,
        severity="P0",
        now=NOW,
        data_taken_at=TAKEN,
        connection="DB DOWN: reconnecting in 8 s",
        paused=True,
        event_filter="payment",
    )
    values.update(kw)
    return fit_status(StatusInfo(**values), width).plain


@pytest.mark.parametrize("width", [40, 60, 80, 120, 200])
def test_status_keeps_mode_severity_and_connection_as_words_at_any_width(width: int) -> None:
    line = status(width)
    assert len(line) <= width
    assert (
        "READ-ONLY" in line
        and "P0" in line
        and "DB DOWN" in line
        and "8s" in line.replace(" s", "s")
    )
    assert "WRITE" in status(width, allow_write=True).replace("READ-ONLY", "")


def test_status_at_full_width_says_everything() -> None:
    line = status(200)
    for part in ("production", "db db.internal:5432", "P0 CRITICAL", "03:00:00 UTC",
                 "data 2s old", "reconnecting in 8 s", "PAUSED", "filter: payment"):  # fmt: skip
        assert part in line


def test_backoff_doubles_up_to_the_ceiling_and_resets_on_success() -> None:
    state = PollState(interval=2.0, max_backoff=30.0)
    delays = [state.failed("unreachable", "down", NOW) for _ in range(6)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert state.connection_text(NOW + timedelta(seconds=11)) == "DB DOWN: reconnecting in 19 s"
    assert state.shown_findings()[0].id == "db_connection_failure"
    state.succeeded(object(), [], None)  # type: ignore[arg-type]
    assert state.failures == 0 and state.connection_text(NOW) == ""


def test_failures_are_described_in_one_line() -> None:
    assert describe_failure(ConnectionFailed("cannot reach", "hint")) == (
        "unreachable",
        "cannot reach",
    )
    kind, text = describe_failure(ModuleNotFoundError("x", name="console.metrics.collector"))
    assert kind == "unavailable" and "console.metrics.collector" in text
    assert describe_failure(RuntimeError("boom\nline two")) == ("error", "RuntimeError: boom")


def test_refresh_interval_ladder() -> None:
    assert next_interval(2.0, +1) == 5.0
    assert next_interval(2.0, -1) == 1.0
    assert next_interval(0.5, -1) == 0.5
    assert next_interval(60.0, +1) == 60.0
    assert next_interval(3.0, +1) == 5.0


def test_per_minute_fills_quiet_minutes_with_zero_and_filters_types() -> None:
    sparse = buckets()[::2]
    series = per_minute(sparse, TAKEN, 60)
    assert len(series) == 60 and series[1] == 0 and series[0] > 0
    refunds = per_minute(buckets(), TAKEN, 60, ["charge.refunded"])
    assert sum(refunds) == sum(i % 3 for i in range(60))
    assert sparkline([0, 0, 5, 10], 4) == "··▄█"
    assert len(sparkline(list(range(60)), 30)) == 30
