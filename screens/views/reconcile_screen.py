"""The Stripe reconciliation drill-down: what Stripe holds that webhook_events lacks.

Opened from the `undelivered_events` finding (or any time with a Stripe key): runs the
same reconciliation as `incident-console reconcile` in a worker, shows its lines (classes
with their meaning, counts by type) and the missing and failed events in a table. `r`
runs it again. Read-only: redelivery is the recovery action of the data-recovery
checklist, with its preview and typed confirmation.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from screens.keys import CLOSE
from screens.views.drilldown import LoadingDialog, drill_dialog

COLUMNS = ("event id", "type", "created", "class", "error")
Loader = Callable[[], Awaitable[Any]]  # -> console.stripe.reconcile.Reconciliation


def stripe_loader(settings: Any, dsn: str | None, since: str = "2h") -> Loader:
    """A loader over its own read-only connection, closed after each run."""

    async def load() -> Any:
        from console.core.db import SessionLimits, connect
        from console.stripe.client import StripeEvents
        from console.stripe.reconcile import reconcile
        from console.stripe.window import make_window

        events_api = StripeEvents.from_settings(settings, live=settings.stripe_live)
        conn = await connect(dsn, limits=SessionLimits.from_settings(settings), role="reconcile")
        try:
            return await reconcile(conn, events_api, make_window(since))
        finally:
            await conn.close()

    return load


class ReconciliationScreen(LoadingDialog):
    """Stripe's events of the window sorted against the database."""

    BINDINGS: ClassVar[list[BindingType]] = [CLOSE, Binding("r", "refresh", "Again")]
    STATUS_ID = "reconcile-summary"

    def __init__(self, load: Loader, *, since: str = "2h") -> None:
        super().__init__()
        self.load = load
        self.since = since

    def compose(self) -> ComposeResult:
        title = f"Stripe vs webhook_events, last {self.since} (r again, Esc)"
        yield from drill_dialog(title, "asking Stripe…", COLUMNS, self.STATUS_ID, "reconcile-table")

    def action_refresh(self) -> None:
        self.query_one(f"#{self.STATUS_ID}", Static).update("asking Stripe…")
        self.fetch()

    def failure(self, exc: Exception) -> str:
        """One line: a refused key, 429, no database."""
        line = getattr(exc, "line", None)
        return str(line() if callable(line) else exc)

    def show(self, loaded: Any, status: Static, table: DataTable[str]) -> None:
        from console.stripe.report import reconciliation_lines

        rec = loaded  # console.stripe.reconcile.Reconciliation
        status.update(Text("\n".join(reconciliation_lines(rec, samples=0))))
        for event in sorted(rec.redeliverable(), key=lambda e: e.created, reverse=True):
            table.add_row(
                event.id,
                event.type,
                datetime.fromtimestamp(event.created, UTC).strftime("%m-%d %H:%M:%S"),
                event.klass,
                event.last_error or "",
            )
