"""The dashboard's eye on Stripe: a slow, background reconciliation for `undelivered_events`.

Every `stripe_poll_seconds` (120 s by default) — never on the dashboard's refresh path —
the watch lists the window's events Stripe could not deliver (`delivery_success=false`:
cheap on a healthy account) and sorts them against webhook_events on a read-only
connection of its own. Events younger than the grace period may still be on their way
and are not counted. Only with a Stripe key; a live-mode key only with `stripe_live`.
What it found (or the one line Stripe's refusal became) rides on every Snapshot until
the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from console.core.config import Settings
from console.core.service import cancel
from console.metrics.panels import STRIPE
from console.metrics.snapshot import Snapshot, StripeSide

DEFAULT_POLL_SECONDS = 120.0
DEFAULT_WINDOW_MINUTES = 360.0
DEFAULT_GRACE_SECONDS = 120.0
EXAMPLES = 5


class StripeWatch:
    """Runs the reconciliation when due, in a task; `apply` puts the latest on a Snapshot."""

    def __init__(
        self,
        settings: Settings,
        *,
        dsn: str | None = None,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        window_minutes: float = DEFAULT_WINDOW_MINUTES,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
    ) -> None:
        self.settings = settings
        self.dsn = dsn or settings.database_url
        self.poll_seconds = poll_seconds
        self.window_seconds = window_minutes * 60
        self.grace_seconds = grace_seconds
        self.latest: StripeSide | None = None
        self._due = 0.0
        self._task: asyncio.Task[None] | None = None
        self._conn: Any = None
        self._events_api: Any = None

    @classmethod
    def from_settings(cls, settings: Settings, dsn: str | None = None) -> StripeWatch | None:
        """A watch when a Stripe key is configured, with `[thresholds]` for its cadence."""
        if not settings.stripe_secret_key or not (dsn or settings.database_url):
            return None
        t = settings.thresholds
        return cls(
            settings,
            dsn=dsn,
            poll_seconds=float(t.get("stripe_poll_seconds", DEFAULT_POLL_SECONDS)),
            window_minutes=float(t.get("undelivered_window_minutes", DEFAULT_WINDOW_MINUTES)),
            grace_seconds=float(t.get("undelivered_grace_seconds", DEFAULT_GRACE_SECONDS)),
        )

    def kick(self) -> None:
        """Start a run if one is due and none is going (returns at once)."""
        if self._task is not None and not self._task.done():
            return
        if time.monotonic() < self._due:
            return
        self._due = time.monotonic() + self.poll_seconds
        self._task = asyncio.ensure_future(self._run())

    async def complete(self, snapshot: Snapshot, timeout: float = 20.0) -> Snapshot:
        """Run now if due (or wait for the run going) and apply it: the one-shot check,
        which waits at most `timeout` seconds for Stripe."""
        self.kick()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except TimeoutError:
                self.latest = self._failed(f"no answer from Stripe within {timeout:g} s")
        return self.apply(snapshot)

    def apply(self, snapshot: Snapshot) -> Snapshot:
        side = self.latest
        if side is None:
            return snapshot
        errors = dict(snapshot.panel_errors)
        if side.error:
            errors[STRIPE] = side.error
        return replace(snapshot, stripe=side, panel_errors=MappingProxyType(errors))

    async def close(self) -> None:
        await cancel(self._task)
        self._task = None
        await self._drop_connection()

    async def _run(self) -> None:
        try:
            self.latest = await self.measure()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one line on the panel, never a dead dashboard
            self.latest = self._failed(f"{type(exc).__name__}: {exc}")
            await self._drop_connection()

    def _failed(self, line: str) -> StripeSide:
        return StripeSide(
            checked_at=datetime.now(UTC),
            window_seconds=self.window_seconds,
            grace_seconds=self.grace_seconds,
            error=line,
        )

    async def _connection(self) -> Any:
        from console.core.db import SessionLimits, connect

        if self._conn is None or self._conn.closed:
            self._conn = await connect(
                self.dsn,
                limits=SessionLimits.from_settings(self.settings),
                role="stripe-watch",
            )
        return self._conn

    async def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    async def measure(self) -> StripeSide:
        """One reconciliation of the window's undelivered events."""
        from console.core.db import DatabaseError
        from console.stripe.client import StripeEvents
        from console.stripe.errors import StripeProblem
        from console.stripe.keys import StripeKeyRefused
        from console.stripe.reconcile import reconcile
        from console.stripe.window import make_window

        try:
            if self._events_api is None:
                self._events_api = StripeEvents.from_settings(
                    self.settings, live=self.settings.stripe_live
                )
            window = make_window(f"{self.window_seconds:.0f}s")
            rec = await reconcile(
                await self._connection(), self._events_api, window, delivery_success=False
            )
        except StripeKeyRefused as exc:
            hint = " (set stripe_live = true to let the dashboard read a live account)"
            return self._failed(exc.message + (hint if "live" in exc.message else ""))
        except StripeProblem as exc:
            return self._failed(exc.line())
        except DatabaseError as exc:
            await self._drop_connection()
            return self._failed(str(exc))
        cutoff = time.time() - self.grace_seconds
        settled = [e for e in rec.events if e.created <= cutoff]
        lacking = [e for e in settled if e.klass in ("missing", "failed")]
        by_type: dict[str, int] = {}
        for event in lacking:
            by_type[event.type] = by_type.get(event.type, 0) + 1
        oldest = min((e.created for e in lacking), default=None)
        return StripeSide(
            checked_at=datetime.now(UTC),
            window_seconds=self.window_seconds,
            grace_seconds=self.grace_seconds,
            listed=len(rec.events),
            missing=sum(1 for e in lacking if e.klass == "missing"),
            failed=sum(1 for e in lacking if e.klass == "failed"),
            unprocessed=sum(1 for e in settled if e.klass == "unprocessed"),
            by_type=MappingProxyType(by_type),
            examples=tuple(e.id for e in sorted(lacking, key=lambda e: e.created)[:EXAMPLES]),
            oldest_created=datetime.fromtimestamp(oldest, UTC) if oldest is not None else None,
            complete=rec.complete,
            mode=rec.mode,
        )
