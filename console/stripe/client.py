"""Stripe's Events API through stripe-python's `StripeClient`, with the console's rules.

stripe-python is imported here, lazily (it takes longer to import than the dashboard has
to paint). The client talks to `STRIPE_API_BASE` when set: the demo world serves a
Stripe-shaped API on localhost. stripe-python's own retries are off (it never retries a
429) so that one policy covers 429, 5xx and lost connections: exponential backoff with
jitter, honouring `Retry-After` and `Stripe-Should-Retry`, a bounded number of attempts,
each retry counted so the report can say it happened.

Pages are followed with `starting_after`, exactly as `auto_paging_iter` does, but one page
at a time: a page that fails after its retries, or one that comes back empty although
the previous said `has_more`, ends the listing as incomplete (with what was listed so
far) instead of passing for the whole window.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from console.core.config import Secret, Settings
from console.stripe.errors import StripeProblem, translate
from console.stripe.keys import KeyInfo, check_key
from console.stripe.window import Window

DEFAULT_API_BASE = "https://api.stripe.com"
PAGE_SIZE = 100
MAX_TYPES = 20
_EVENT_TYPE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: delay n is base * 2^(n-1), scaled by 0.5-1, capped."""

    attempts: int = 4
    base_seconds: float = 0.5
    cap_seconds: float = 8.0
    sleep: Callable[[float], None] = time.sleep

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        backoff = min(self.cap_seconds, self.base_seconds * 2 ** (retry - 1))
        backoff *= 0.5 + random.random() / 2
        if retry_after is not None:
            backoff = max(backoff, min(retry_after, self.cap_seconds * 4))
        return backoff


@dataclass(frozen=True)
class StripeEvent:
    """The fields of a listed event the reconciliation needs."""

    id: str
    type: str
    created: int
    livemode: bool = False
    pending_webhooks: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StripeEvent:
        pending = data.get("pending_webhooks")
        return cls(
            id=str(data.get("id") or ""),
            type=str(data.get("type") or ""),
            created=int(data.get("created") or 0),
            livemode=bool(data.get("livemode")),
            pending_webhooks=int(pending) if isinstance(pending, int) else None,
        )


@dataclass(frozen=True)
class FetchedEvent:
    """One event as Stripe's API returned it: `body` is the exact JSON bytes."""

    id: str
    type: str
    created: int
    livemode: bool
    body: bytes


@dataclass(frozen=True)
class Listing:
    """The events of a window, newest first, and how the listing went."""

    events: tuple[StripeEvent, ...]
    pages: int
    retries: int
    complete: bool
    problem: StripeProblem | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)


def check_types(types: Sequence[str]) -> list[str]:
    """Stripe's `types` filter: exact event names, at most 20."""
    names = [t.strip() for t in types if t and t.strip()]
    bad = [t for t in names if not _EVENT_TYPE.match(t)]
    if bad:
        raise StripeProblem(
            "invalid_request",
            f"not an event type: {bad[0][:60]!r}",
            "types are exact names such as payment_intent.succeeded (no wildcards)",
        )
    if len(names) > MAX_TYPES:
        raise StripeProblem(
            "invalid_request",
            f"Stripe filters by at most {MAX_TYPES} types at once, got {len(names)}",
            "run the reconciliation once per group of types",
        )
    return list(dict.fromkeys(names))


class StripeEvents:
    """Listing and fetching events with one key; refuses a live key without `live`."""

    def __init__(
        self,
        key: Secret | str | None,
        *,
        api_base: str | None = None,
        live: bool = False,
        timeout_seconds: float = 10.0,
        retry: RetryPolicy | None = None,
        on_retry: Callable[[StripeProblem, float], None] | None = None,
    ) -> None:
        self.key_info: KeyInfo = check_key(key, live=live)
        self._key = key.reveal() if isinstance(key, Secret) else str(key).strip()
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.timeout_seconds = timeout_seconds
        self.retry = retry or RetryPolicy()
        self.on_retry = on_retry
        self.retries = 0
        self._client: Any = None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, live: bool = False, **kwargs: Any
    ) -> StripeEvents:
        return cls(
            settings.stripe_secret_key,
            api_base=settings.stripe_api_base,
            live=live,
            **kwargs,
        )

    def __repr__(self) -> str:
        return f"StripeEvents({self.key_info.masked}, {self.api_base})"

    # ---- plumbing -----------------------------------------------------------------------

    def _stripe(self) -> Any:
        if self._client is None:
            import stripe

            self._client = stripe.StripeClient(
                self._key,
                base_addresses={"api": self.api_base},
                max_network_retries=0,
                http_client=stripe.RequestsClient(timeout=self.timeout_seconds),
            )
        return self._client

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """Run one API call, retrying what Stripe says may be retried, with backoff."""
        import stripe

        attempt = 1
        while True:
            try:
                return fn()
            except stripe.StripeError as exc:
                problem = translate(
                    exc, what=what, key=self.key_info.masked, api_base=self.api_base
                )
            problem.attempts = attempt
            if not problem.retryable or attempt >= self.retry.attempts:
                if attempt > 1:
                    problem.message += f" (gave up after {attempt} attempts with backoff)"
                raise problem
            delay = self.retry.delay(attempt, problem.retry_after)
            self.retries += 1
            if self.on_retry is not None:
                self.on_retry(problem, delay)
            self.retry.sleep(delay)
            attempt += 1

    # ---- the API ------------------------------------------------------------------------

    def list_events(
        self,
        window: Window,
        *,
        types: Sequence[str] = (),
        delivery_success: bool | None = None,
        page_size: int = PAGE_SIZE,
        on_page: Callable[[int, int], None] | None = None,
    ) -> Listing:
        """Every event of the window (newest first). Raises StripeProblem when not even the
        first page could be read; a later failure returns an incomplete Listing."""
        names = check_types(types)
        params: dict[str, Any] = {
            "created": {"gte": window.gte, "lte": window.lte},
            "limit": max(1, min(100, page_size)),
        }
        if names:
            params["types"] = names
        if delivery_success is not None:
            params["delivery_success"] = delivery_success
        filters = {"types": names, "delivery_success": delivery_success, **window.to_json()}
        events: list[StripeEvent] = []
        seen: set[str] = set()
        pages = 0
        retries_before = self.retries
        cursor: str | None = None
        while True:
            page_params = dict(params, starting_after=cursor) if cursor else params
            what = f"listing events (page {pages + 1})"
            try:
                page = self._call(what, lambda p=page_params: self._stripe().v1.events.list(p))
            except StripeProblem as problem:
                if pages == 0:
                    raise
                return self._listing(events, pages, retries_before, filters, problem)
            pages += 1
            data = [item.to_dict() for item in page.data]
            for item in data:
                event = StripeEvent.from_json(item)
                if event.id and event.id not in seen and window.contains(event.created):
                    seen.add(event.id)
                    events.append(event)
            if on_page is not None:
                on_page(pages, len(events))
            if not page.has_more:
                return self._listing(events, pages, retries_before, filters, None)
            last = data[-1].get("id") if data else None
            if not last or last == cursor:
                early = StripeProblem(
                    "early_end",
                    f"Stripe's list ended early: page {pages} said more events follow but "
                    f"{'was empty' if not data else 'did not advance'}; "
                    f"{len(events)} events were listed",
                    "the counts below are a lower bound; run the reconciliation again",
                )
                return self._listing(events, pages, retries_before, filters, early)
            cursor = str(last)

    def _listing(
        self,
        events: list[StripeEvent],
        pages: int,
        retries_before: int,
        filters: Mapping[str, Any],
        problem: StripeProblem | None,
    ) -> Listing:
        return Listing(
            events=tuple(events),
            pages=pages,
            retries=self.retries - retries_before,
            complete=problem is None,
            problem=problem,
            filters=dict(filters),
        )

    def fetch(self, event_id: str) -> FetchedEvent:
        """One event, with the exact JSON Stripe's API returned (the body to redeliver)."""
        what = f"fetching {event_id[:40]}"
        event = self._call(what, lambda: self._stripe().v1.events.retrieve(event_id))
        response = event.last_response
        body = response.body.encode("utf-8") if response is not None else b""
        if not body:
            body = json.dumps(event.to_dict(), indent=2).encode("utf-8")
        data = event.to_dict()
        return FetchedEvent(
            id=str(data.get("id") or event_id),
            type=str(data.get("type") or ""),
            created=int(data.get("created") or 0),
            livemode=bool(data.get("livemode")),
            body=body,
        )
