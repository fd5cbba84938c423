"""What Enter opens for each kind of panel row, and the rows each drill-down shows.

Drill-downs read on the operator's own connection (`Operations`), never the poller's, so
a slow poll does not hold up a look at the rows behind it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text
from textual.app import App

from console.core.db import application_name
from screens.controllers.ops import Operations
from screens.formatting import count, duration, severity_word
from screens.options import DashboardOptions
from screens.views.drilldown import RowsScreen, TextScreen, when
from screens.widgets.findings import show_value
from screens.widgets.panel import RenderContext

EVENT_COLUMNS = ("id", "event id", "type", "created", "processed", "retries", "error")
ORDER_COLUMNS = ("id", "state", "updated", "age", "amount", "payment intent")


def finding_text(finding: Any) -> Text:
    evidence = finding.evidence
    if isinstance(evidence, dict):
        items = [f"{k}: {v}" for k, v in evidence.items()]
    elif isinstance(evidence, list | tuple):
        items = [str(e) for e in evidence]
    else:
        items = [str(evidence)] if evidence else []
    lines = [
        f"{severity_word(finding.severity)}  {finding.title}",
        f"id {finding.id}",
        f"value {show_value(finding.value)}, threshold {show_value(finding.threshold)}",
        f"runbook: {finding.runbook}",
        "",
        "Evidence:" if items else "No evidence attached.",
        *(f"  • {item}" for item in items),
    ]
    return Text("\n".join(lines))


def own_pids(ctx: RenderContext) -> list[int]:
    """Backends of this console (same user's incident-console sessions): never signalled."""
    if ctx.snapshot is None:
        return []
    mine = application_name()
    return [
        s.pid
        for s in ctx.snapshot.connections.sessions
        if s.application_name == mine or (s.application_name or "").startswith(mine + ":")
    ]


STRIPE_FINDING = "undelivered_events"  # opens the reconciliation, not the evidence text


class DrillDowns:
    """Opens the screen behind a panel row, on top of the dashboard."""

    def __init__(self, app: App[Any], ops: Operations, options: DashboardOptions) -> None:
        self.app = app
        self.ops = ops
        self.options = options  # the settings: Stripe's side needs the key and the API base

    def _stripe_configured(self) -> bool:
        return bool(self.options.settings.stripe_secret_key)

    def open(self, kind: str, key: str, ctx: RenderContext) -> None:
        """`kind` is the panel's (finding, error, orders, backend), `key` the row's."""
        # Lazy: psycopg and the recovery path load on the first drill-down, not the first paint.
        from console.queries.drilldown import DEFAULT_LIMIT
        from screens.controllers.recovery import signals_of
        from screens.views.backend_screen import BackendScreen

        app, ops = self.app, self.ops
        snap = ctx.snapshot
        if kind == "finding" and key == STRIPE_FINDING and self._stripe_configured():
            from screens.views.reconcile_screen import ReconciliationScreen, stripe_loader

            app.push_screen(ReconciliationScreen(stripe_loader(self.options.settings, ops.dsn)))
        elif kind == "finding":
            found = next((f for f in ctx.findings if f.id == key), None)
            if found is not None:
                app.push_screen(TextScreen(f"Finding {found.id}", finding_text(found)))
        elif kind == "error" and snap is not None:
            group = next((g for g in snap.errors if g.pattern == key), None)
            title = f"Events: {group.message if group else key}"

            async def events() -> Sequence[Sequence[str]]:
                rows = await ops.events_for_error(key)
                return [
                    (
                        r.id,
                        r.event_id,
                        r.event_type,
                        when(r.created_at),
                        when(r.processed_at),
                        str(r.retry_count),
                        r.error_message or "",
                    )
                    for r in rows
                ]

            app.push_screen(RowsScreen(title, EVENT_COLUMNS, events, limit=DEFAULT_LIMIT))
        elif kind == "orders" and snap is not None:
            minutes = snap.stuck_orders.older_than_minutes

            async def orders() -> Sequence[Sequence[str]]:
                rows = await ops.orders_in_state(key, minutes)
                return [
                    (
                        r.id,
                        r.state,
                        when(r.updated_at),
                        duration(r.age_seconds),
                        count(r.total_amount_cents / 100),
                        r.stripe_payment_intent_id or "—",
                    )
                    for r in rows
                ]

            title = f"Orders in {key} for over {duration(minutes * 60)}"
            app.push_screen(RowsScreen(title, ORDER_COLUMNS, orders, limit=DEFAULT_LIMIT))
        elif kind == "backend" and key.isdigit():
            app.push_screen(
                BackendScreen(
                    int(key),
                    ops,
                    signals=signals_of(app),  # the recovery path: locked, audited, on record
                    protected=own_pids(ctx),
                    confirm_expiry=self.options.confirm_expiry,
                )
            )
