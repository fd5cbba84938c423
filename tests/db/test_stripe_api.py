"""The real stripe-python client against the demo world's Stripe-shaped API: pagination,
filters, keys, retries, and what the operator reads when Stripe says no."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from support.stripe_world import TYPES, fill_ledger

from console.sim import stripe_api as demo_stripe
from console.stripe.client import RetryPolicy, StripeEvents
from console.stripe.errors import StripeProblem
from console.stripe.keys import StripeKeyRefused
from console.stripe.window import make_window

FAST = RetryPolicy(attempts=4, base_seconds=0.05, cap_seconds=1.0)
LIVE_KEY = "rk_live_" + "L1ve" * 6


@dataclass
class Served:
    api: demo_stripe.StripeApi
    url: str

    def client(self, key: str = demo_stripe.DEMO_RESTRICTED_KEY, **kwargs: object) -> StripeEvents:
        return StripeEvents(key, api_base=self.url, retry=FAST, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def served() -> Iterator[Served]:
    api = demo_stripe.StripeApi(keys=None)
    api.keys[LIVE_KEY] = frozenset({demo_stripe.EVENTS_READ})
    with demo_stripe.ThreadedStripeApi(api) as url:
        yield Served(api, url)


def test_every_event_of_the_window_across_pages_newest_first(served: Served) -> None:
    events = fill_ledger(served.api.ledger, 250)
    listing = served.client().list_events(make_window("2h"), page_size=40)
    assert listing.complete and listing.problem is None
    assert listing.pages == 7  # 6 full pages of 40 and one of 10
    assert [e.id for e in listing.events] == [e["id"] for e in reversed(events)]
    pages = [r for r in served.api.requests if r.path == "/v1/events"]
    assert len(pages) == 7
    assert all(("limit", "40") in r.query for r in pages)
    assert ("starting_after", events[-40]["id"]) in pages[1].query


def test_created_bounds_keep_to_the_window(served: Served) -> None:
    events = fill_ledger(served.api.ledger, 30, step=60.0)  # one a minute, 30 min ago on
    cut = events[10]["created"]
    window = make_window(start=str(cut), end=str(events[19]["created"]))
    listing = served.client().list_events(window)
    assert [e.id for e in listing.events] == [e["id"] for e in reversed(events[10:20])]
    query = dict(served.api.requests[-1].query)
    assert query["created[gte]"] == str(cut)


def test_type_and_delivery_filters_reach_stripe_and_narrow_the_list(served: Served) -> None:
    fill_ledger(served.api.ledger, 90, delivered_every=3)
    client = served.client()
    refunds = client.list_events(make_window("2h"), types=["charge.refunded"])
    assert len(refunds.events) == 30
    assert {e.type for e in refunds.events} == {"charge.refunded"}
    two = client.list_events(make_window("2h"), types=list(TYPES[:2]))
    assert len(two.events) == 60
    assert ("types[0]", TYPES[0]) in served.api.requests[-1].query
    undelivered = client.list_events(make_window("2h"), delivery_success=False)
    assert len(undelivered.events) == 60
    assert all(e.pending_webhooks == 1 for e in undelivered.events)
    assert ("delivery_success", "false") in served.api.requests[-1].query
    both = client.list_events(make_window("2h"), types=[TYPES[0]], delivery_success=False)
    # every third event is delivered, and every third is a payment_intent.succeeded: 0, 3, 6…
    assert both.events == ()


def test_an_invalid_key_gets_one_line_and_no_retry(served: Served) -> None:
    fill_ledger(served.api.ledger, 5)
    with pytest.raises(StripeProblem) as caught:
        served.client("rk_test_" + "revoked0" * 3).list_events(make_window("2h"))
    problem = caught.value
    assert problem.kind == "unauthorized" and problem.http_status == 401
    line = problem.line()
    assert "\n" not in line and "401" in line and "Events: Read" in line
    assert "revoked0revoked0" not in line and "rk_test_…" in line
    assert len(served.api.requests) == 1


def test_a_key_without_events_permission_is_told_what_to_grant(served: Served) -> None:
    with pytest.raises(StripeProblem) as caught:
        served.client(demo_stripe.DEMO_NO_PERMISSION_KEY).list_events(make_window("2h"))
    assert caught.value.kind == "permission" and caught.value.http_status == 403
    assert "Events: Read" in caught.value.line()
    assert demo_stripe.DEMO_NO_PERMISSION_KEY not in caught.value.line()
    assert len(served.api.requests) == 1


def test_a_rate_limited_answer_is_retried_with_growing_backoff(served: Served) -> None:
    fill_ledger(served.api.ledger, 15)
    served.api.inject(429, 3)
    retried: list[float] = []
    client = served.client(on_retry=lambda problem, delay: retried.append(delay))
    listing = client.list_events(make_window("2h"))
    assert listing.complete and len(listing.events) == 15
    assert listing.retries == 3
    statuses = [r.status for r in served.api.requests]
    assert statuses == [429, 429, 429, 200]
    gaps = [b.at - a.at for a, b in zip(served.api.requests, served.api.requests[1:], strict=False)]
    # retry n waits at least half of base * 2^(n-1): 25 ms, 50 ms, 100 ms
    for n, gap in enumerate(gaps, start=1):
        assert gap >= FAST.base_seconds * 2 ** (n - 1) / 2
    assert len(retried) == 3


def test_stripe_down_gives_up_after_the_retries_with_one_line(served: Served) -> None:
    served.api.inject(503, 10)
    with pytest.raises(StripeProblem) as caught:
        served.client().list_events(make_window("2h"))
    problem = caught.value
    assert problem.kind == "unavailable" and problem.attempts == FAST.attempts
    assert "503" in problem.line() and f"after {FAST.attempts} attempts" in problem.line()
    assert len(served.api.requests) == FAST.attempts


def test_stripe_should_retry_false_is_not_retried(served: Served) -> None:
    served.api.inject(500, 1, should_retry=False)
    with pytest.raises(StripeProblem) as caught:
        served.client().list_events(make_window("2h"))
    assert caught.value.http_status == 500 and len(served.api.requests) == 1


def test_a_list_that_ends_early_is_reported_incomplete_with_what_was_listed(
    served: Served,
) -> None:
    fill_ledger(served.api.ledger, 120)
    served.api.end_pages_early()
    listing = served.client().list_events(make_window("2h"), page_size=50)
    assert not listing.complete
    assert len(listing.events) == 50
    assert listing.problem is not None and listing.problem.kind == "early_end"
    assert "ended early" in listing.problem.line() and "50 events" in listing.problem.line()


def test_a_page_failing_after_the_first_keeps_what_was_listed(served: Served) -> None:
    fill_ledger(served.api.ledger, 120)
    client = served.client()
    first = client.list_events(make_window("2h"), page_size=100)
    assert first.complete
    served.api.requests.clear()

    def fail_after_first(page: int, listed: int) -> None:
        served.api.inject(502, 10)  # page 1 answered; every later request fails

    listing = client.list_events(make_window("2h"), page_size=100, on_page=fail_after_first)
    assert not listing.complete and len(listing.events) == 100
    assert listing.problem is not None and "502" in listing.problem.line()


def test_a_live_key_needs_live_and_nothing_is_asked_before(served: Served) -> None:
    with pytest.raises(StripeKeyRefused) as caught:
        served.client(LIVE_KEY)
    assert "--live" in caught.value.message and LIVE_KEY not in str(caught.value)
    assert served.api.requests == []
    fill_ledger(served.api.ledger, 3)
    client = served.client(LIVE_KEY, live=True)
    assert client.key_info.live and len(client.list_events(make_window("2h")).events) == 3


@pytest.mark.parametrize(
    "key",
    ["", "pk_test_" + "p" * 24, "whsec_" + "w" * 32, "not-a-key"],
    ids=["empty", "publishable", "signing-secret", "garbage"],
)
def test_keys_that_cannot_list_events_are_refused_before_any_request(
    served: Served, key: str
) -> None:
    with pytest.raises(StripeKeyRefused) as caught:
        served.client(key)
    assert "restricted key" in caught.value.hint
    if len(key) > 12:
        assert key not in caught.value.message
    assert served.api.requests == []


def test_a_full_secret_key_works_and_is_told_a_restricted_one_is_enough(served: Served) -> None:
    client = served.client(demo_stripe.DEMO_SECRET_KEY)
    assert client.key_info.kind == "secret"
    assert any("restricted key" in note for note in client.key_info.notes())
    assert demo_stripe.DEMO_SECRET_KEY not in repr(client)


def test_fetch_returns_the_exact_bytes_stripe_sent(served: Served) -> None:
    [event] = fill_ledger(served.api.ledger, 1)
    fetched = served.client().fetch(event["id"])
    assert fetched.id == event["id"] and fetched.type == event["type"]
    assert fetched.body.startswith(b'{\n  "id": ')
    with pytest.raises(StripeProblem) as caught:
        served.client().fetch("evt_doesnotexist000000000000")
    assert caught.value.kind == "not_found"


def test_too_many_types_or_a_wildcard_are_refused_before_asking(served: Served) -> None:
    client = served.client()
    with pytest.raises(StripeProblem, match="at most 20"):
        client.list_events(make_window("2h"), types=[f"a.t{n}" for n in range(21)])
    with pytest.raises(StripeProblem, match="not an event type"):
        client.list_events(make_window("2h"), types=["payment_intent.*"])
    assert served.api.requests == []
