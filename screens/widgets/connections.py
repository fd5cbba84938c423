"""Database connections: use against max, longest query, blocking chains, idle in tx."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import Static

from console.metrics.snapshot import Connections, Session, Snapshot
from screens.formatting import duration, shorten
from screens.widgets.panel import RenderContext, flex_width
from screens.widgets.table_panel import Rows, TablePanel

WIDE = ("pid", "State", "For", "Wait", "Query")
COMPACT = ("pid", "State", "For", "Query")
SHORT_STATES = {"idle in transaction": "idle in tx", "idle in transaction (aborted)": "aborted tx"}
# The summary lines kept even when fewer are needed: usage and the longest query (one
# line when compact). The longest query comes and goes with each short-lived query: the
# height it leaves stays, so the table below does not move (a layout pass of the screen).
STEADY_LINES = 2
STEADY_LINES_COMPACT = 1


def session_rank(session: Session, blocked: set[int], idle_tx: set[int]) -> tuple[int, float]:
    """Blocked and blocking sessions first, then idle in transaction, then longest."""
    if session.pid in blocked:
        group = 0
    elif session.pid in idle_tx:
        group = 1
    else:
        group = 2
    return group, -(session.duration_seconds or 0.0)


def summary_lines(conn: Connections, compact: bool = False) -> list[str]:
    usage = f"{conn.total} of max {conn.max_connections} ({conn.usage:.0%})"
    states = [f"{state} {n}" for state, n in sorted(conn.by_state.items())]
    lines = [" · ".join([usage, *states])]
    if compact:  # one more line at most: the table needs the room
        if conn.blocked:
            waits = ", ".join(
                f"{s.pid} waits for {'+'.join(map(str, s.blocked_by))}" for s in conn.blocked
            )
            lines.append(f"Blocked: {waits}")
        elif conn.idle_in_transaction:
            lines.append(f"Idle in transaction: {len(conn.idle_in_transaction)}")
        return lines
    if conn.blocked:
        chains = ", ".join(
            f"{s.pid} waits for {'+'.join(str(p) for p in s.blocked_by)}" for s in conn.blocked
        )
        lines.append(f"Blocked: {chains}")
    if conn.idle_in_transaction:
        oldest = max(s.duration_seconds or 0.0 for s in conn.idle_in_transaction)
        lines.append(
            f"Idle in transaction: {len(conn.idle_in_transaction)}, oldest {duration(oldest)}"
        )
    if conn.longest is not None and not compact:  # compact: the table's first rows
        lines.append(
            f"Longest: pid {conn.longest.pid} {duration(conn.longest.duration_seconds)} "
            f"{shorten(conn.longest.query, 100)}"
        )
    return lines


def wait_text(session: Session) -> str:
    if session.blocked_by:
        return f"lock by {'+'.join(str(p) for p in session.blocked_by)}"
    return f"{session.wait_event_type}:{session.wait_event}" if session.wait_event else ""


class ConnectionsPanel(TablePanel):
    key = "connections"
    title = "Database connections"
    number = 7
    measured_by = ("connections",)
    drill_kind = "backend"

    def shown_from(self, ctx: RenderContext) -> tuple[object, ...] | None:
        return (ctx.snapshot.connections,) if ctx.snapshot is not None else None

    def columns(self, ctx: RenderContext) -> Sequence[str]:
        return WIDE if ctx.width >= 100 else COMPACT

    def render_body(self, ctx: RenderContext) -> None:
        steady = STEADY_LINES_COMPACT if ctx.compact else STEADY_LINES
        # no data yet: the one "no data" line as before (nothing below it moves)
        self.query_one(".panel-summary", Static).styles.min_height = (
            steady if ctx.snapshot is not None else None
        )
        super().render_body(ctx)

    def summary_lines(self, snap: Snapshot, ctx: RenderContext) -> list[str]:
        return summary_lines(snap.connections, ctx.compact)

    def table_rows(self, snap: Snapshot, ctx: RenderContext) -> Rows:
        conn = snap.connections
        blocked = {s.pid for s in conn.blocked} | {p for s in conn.blocked for p in s.blocked_by}
        idle_tx = {s.pid for s in conn.idle_in_transaction}
        rows = []
        wait_width = 16 if ctx.width >= 100 else 0
        state_width = 10 if ctx.compact else 20
        fixed = (7, state_width, 6, wait_width) if wait_width else (7, state_width, 6)
        query_width = flex_width(ctx, fixed, lo=8, hi=120)
        for s in sorted(conn.sessions, key=lambda s: session_rank(s, blocked, idle_tx)):
            state = s.state or "—"
            if ctx.compact:
                state = SHORT_STATES.get(state, state)
            cells = [str(s.pid), shorten(state, state_width), duration(s.duration_seconds)]
            if wait_width:
                cells.append(shorten(wait_text(s), wait_width))
            cells.append(shorten(s.query, query_width))
            rows.append((str(s.pid), cells))
        return rows
