"""Snapshots built by hand for the dashboard tests: healthy, a P1 firing, and friends.

Times are fixed (NOW) so rendered text such as "data 2s old" is deterministic.
"""

from __future__ import annotations

import asyncio
import html
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from console.metrics.snapshot import (
    Backlog,
    Connections,
    ErrorGroup,
    LatencyStats,
    MinuteBucket,
    Session,
    Snapshot,
    StuckOrders,
)
from console.recording.finding import ShownFinding
from screens.app import IncidentApp
from screens.controllers.source import StaticSource
from screens.options import DashboardOptions

NOW = datetime(2026, 11, 28, 3, 0, 0, tzinfo=UTC)
TAKEN = NOW - timedelta(seconds=2)
TYPES = ("payment_intent.succeeded", "checkout.session.completed", "charge.refunded")


def frozen_clock() -> datetime:
    return NOW


def buckets(errors_per_minute: int = 0) -> tuple[MinuteBucket, ...]:
    out = []
    for i in range(60):
        minute = (TAKEN - timedelta(minutes=59 - i)).replace(second=0, microsecond=0)
        wave = 20 + (i * 7) % 13
        out.append(
            MinuteBucket(
                minute=minute,
                by_type={TYPES[0]: wave, TYPES[1]: wave // 2, TYPES[2]: i % 3},
                errors=errors_per_minute,
                processed=wave,
            )
        )
    return tuple(out)


def session(pid: int, state: str, query: str, seconds: float, **kw) -> Session:
    return Session(
        pid=pid,
        state=state,
        usename="app",
        application_name=kw.pop("application_name", "orders-api"),
        client_addr="10.0.0.7",
        backend_start=TAKEN - timedelta(hours=1),
        xact_start=TAKEN - timedelta(seconds=seconds),
        query_start=TAKEN - timedelta(seconds=seconds),
        state_change=TAKEN - timedelta(seconds=seconds),
        wait_event_type=kw.pop("wait_event_type", None),
        wait_event=kw.pop("wait_event", None),
        query=query,
        duration_seconds=seconds,
        blocked_by=kw.pop("blocked_by", ()),
    )


def healthy(**overrides) -> Snapshot:
    sessions = (
        session(4242, "active", "UPDATE orders SET state = 'paid' WHERE id = $1", 0.4),
        session(4243, "idle", "SELECT 1", 12.0),
    )
    values = dict(
        taken_at=TAKEN,
        database="orders",
        server_version="16.4",
        throughput=buckets(),
        event_types=TYPES,
        events_per_minute=37.4,
        events_5m=187,
        errors_5m=1,
        error_rate_5m=0.5,
        errors=(
            ErrorGroup(
                message="Invalid signature",
                pattern="%Invalid signature%",
                count_1h=1,
                count_24h=4,
                last_seen=TAKEN - timedelta(minutes=3),
            ),
        ),
        latency=(
            LatencyStats(TYPES[0], 1400, 0.42, 1.1, 2.0),
            LatencyStats(TYPES[1], 700, 0.38, 0.9, 1.5),
        ),
        avg_processing_seconds_1h=0.41,
        p95_processing_seconds_1h=1.05,
        backlog=Backlog(unprocessed=3, unprocessed_without_error=2,
                        oldest_unprocessed_age_seconds=4.0, failed_24h=4, retryable_failed=1),
        stuck_orders=StuckOrders(by_state={}, older_than_minutes=60.0),
        connections=Connections(
            total=12,
            max_connections=100,
            by_state={"active": 1, "idle": 11},
            longest=sessions[0],
            sessions=sessions,
        ),
    )  # fmt: skip
    values.update(overrides)
    return Snapshot(**values)


def p1_firing() -> Snapshot:
    blocker = session(5001, "idle in transaction", "UPDATE orders SET state = 'paid'", 340.0)
    waiter = session(
        5002,
        "active",
        "UPDATE orders SET updated_at = now() WHERE id = 42",
        95.0,
        wait_event_type="Lock",
        wait_event="transactionid",
        blocked_by=(5001,),
    )
    others = (session(5003, "idle", "SELECT 1", 3.0),)
    return healthy(
        errors_5m=31,
        events_5m=190,
        error_rate_5m=16.3,
        errors=(
            ErrorGroup(
                "Invalid state transition",
                "%Invalid state transition%",
                120,
                130,
                TAKEN - timedelta(seconds=20),
            ),
            ErrorGroup(
                "Rate limit exceeded", "%Rate limit exceeded%", 9, 40, TAKEN - timedelta(minutes=4)
            ),
        ),
        stuck_orders=StuckOrders(by_state={"pending_payment": 7, "pending": 2}),
        connections=Connections(
            total=23,
            max_connections=100,
            by_state={"active": 5, "idle": 15, "idle in transaction": 3},
            longest=blocker,
            blocked=(waiter,),
            idle_in_transaction=(blocker,),
            sessions=(blocker, waiter, *others),
        ),
        # the Collector's "processed" query failed: latency and errors say so
        panel_errors={"processed": "canceling statement due to statement timeout"},
    )


def lit(
    finding_id: str, severity: str, title: str, value: Any, threshold: Any, evidence: Any = ()
) -> ShownFinding:
    """A lit finding; its runbook has the finding's id, as every shipped one does."""
    return ShownFinding(finding_id, severity, title, value, threshold, finding_id, evidence)


ERRORS_EVIDENCE = ("31 of 190 events failed in the last 5 min",)
STUCK_BY_STATE = {"pending_payment": 7, "pending": 2}
P1_FINDINGS = (
    lit("high_error_rate", "P1", "High error rate", 16.3, 5.0, ERRORS_EVIDENCE),
    lit("stuck_orders", "P1", "Orders stuck in pending states", 9, 0, STUCK_BY_STATE),
    lit("rate_limiting", "P2", "Rate limiting", 9, 0),
)


def make_app(
    *snapshots: Snapshot,
    findings=(),
    source: StaticSource | None = None,
    **kwargs,
) -> IncidentApp:
    """The real app fed from a StaticSource, with the frozen clock unless told otherwise."""
    src = source if source is not None else StaticSource(list(snapshots) or [healthy()])
    kwargs.setdefault("clock", frozen_clock)
    kwargs.setdefault("environment", "production")
    kwargs.setdefault("db_host", "db.internal:5432")
    if kwargs.get("allow_write"):  # its write window is audited: never in the real home
        kwargs.setdefault("state_dir", Path(tempfile.mkdtemp(prefix="ic-state-")))
    parts = {
        name: kwargs.pop(name) for name in ("checklists", "observer", "recording") if name in kwargs
    }
    options = DashboardOptions(**kwargs)
    app = IncidentApp(lambda: src, options, evaluate=lambda snapshot: list(findings), **parts)
    if kwargs.get("allow_write"):  # the write window opens without asking why (W tests ask)
        app.write_windows.reason = "under test"
    return app


async def settle(pilot, polls: int = 1, timeout: float = 3.0) -> None:
    """Wait until the app has finished `polls` polls (good or failed) and rendered."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while app.state.polls + app.state.failures < polls:
        if loop.time() > deadline:
            raise AssertionError(f"no poll finished within {timeout} s")
        await pilot.pause(0.01)
    await pilot.pause()


@asynccontextmanager
async def running(app: IncidentApp, size: tuple[int, int] = (120, 40)) -> AsyncIterator[Any]:
    """The app under Textual's pilot, its first poll finished and painted."""
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        yield pilot


def panel_text(app: IncidentApp, panel_id: str) -> str:
    """Everything a panel shows now, as plain text (summary, table cells, error line)."""
    from textual.widgets import DataTable, Static

    panel = app.dashboard.query_one(f"#{panel_id}")
    parts: list[str] = []
    for widget in panel.query("*"):
        if isinstance(widget, DataTable):
            for row in range(widget.row_count):
                parts.append(" ".join(str(c) for c in widget.get_row_at(row)))
        elif isinstance(widget, Static) and widget.display:
            parts.append(str(widget.render()))
    return "\n".join(parts)


def status_text(app: IncidentApp) -> str:
    from screens.widgets.status_bar import StatusBar

    return str(app.dashboard.query_one(StatusBar).render())


_SVG_TEXT = re.compile(
    r'<text class="[^"]*-r\d+" x="([0-9.]+)" y="([0-9.]+)" textLength="[0-9.]+"[^>]*>([^<]*)</text>'
)


def screen_text(app: IncidentApp) -> str:
    """The terminal as plain text, read back from the app's own SVG screenshot."""
    rows: dict[int, dict[int, str]] = {}
    for match in _SVG_TEXT.finditer(app.export_screenshot()):
        x, y = float(match.group(1)), float(match.group(2))
        text = html.unescape(match.group(3)).replace("\xa0", " ")
        line = rows.setdefault(round((y - 20) / 24.4), {})
        for offset, char in enumerate(text):
            line[round(x / 12.2) + offset] = char
    return "\n".join(
        "".join(line.get(i, " ") for i in range(max(line) + 1)).rstrip()
        for _, line in sorted(rows.items())
    )
