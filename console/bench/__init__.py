"""`incident-console bench`: what one dashboard refresh costs the database, console vs guide.

For two table sizes (N/10 and N events) it builds an embedded database with the guide's
schema and recommended indexes, generates history, starts live simulated traffic, and
then measures side by side:

- the console: the Collector's initial load, then repeated steady-state polls (p50/p95 of
  the poll's time, which includes the client's own work and is therefore an upper bound
  on its database time; rows read per poll);
- the guide: its dashboard and panel queries exactly as written (`sql/guide/`), run
  through `EXPLAIN (ANALYZE, BUFFERS)` for the server's execution time and buffers touched,
  with the duplicate scan reported separately as the guide's own numbers are.

The headline numbers are the ratio guide/console at the larger size and the console's
growth from the smaller size to the larger one.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from console import queries
from console.core.config import load_settings
from console.sim.embedded import EmbeddedPostgres
from console.sim.schema import apply_monitored_schema

# The guide queries that one refresh of the console's live panels replaces.
GUIDE_REFRESH = (
    "guide/dashboard_overview",
    "guide/dashboard_error_analysis",
    "guide/processing_time_distribution",
    "guide/volume_per_minute",
    "guide/stuck_orders",
    "guide/inconsistent_orders",
    "guide/connections_by_state",
    "guide/long_running_queries",
    "guide/locks_not_granted",
)
GUIDE_DUPLICATE_SCAN = ("guide/duplicate_events",)


@dataclass
class SizeResult:
    events: int
    generate_seconds: float = 0.0
    console_initial_load_ms: float = 0.0
    console_polls_ms: list[float] = field(default_factory=list)
    console_rows_per_poll: list[int] = field(default_factory=list)
    console_panel_errors: dict[str, str] = field(default_factory=dict)
    guide_refresh_ms: float = 0.0
    guide_refresh_buffers: int = 0
    guide_duplicate_scan_ms: float = 0.0
    guide_per_query_ms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        polls = sorted(self.console_polls_ms)
        return {
            "events": self.events,
            "generate_seconds": round(self.generate_seconds, 2),
            "console": {
                "initial_load_ms": round(self.console_initial_load_ms, 1),
                "poll_p50_ms": round(_percentile(polls, 50), 2),
                "poll_p95_ms": round(_percentile(polls, 95), 2),
                "polls": len(polls),
                "rows_per_poll_p50": statistics.median(self.console_rows_per_poll or [0]),
                # a panel switched off (a timeout, say) would make the polls look cheap
                "panel_errors": self.console_panel_errors,
            },
            "guide": {
                "refresh_ms": round(self.guide_refresh_ms, 1),
                "refresh_buffers": self.guide_refresh_buffers,
                "duplicate_scan_ms": round(self.guide_duplicate_scan_ms, 1),
                "per_query_ms": {k: round(v, 1) for k, v in self.guide_per_query_ms.items()},
            },
        }


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[rank]


def _explain(conn: psycopg.Connection[Any], name: str) -> tuple[float, int]:
    """Server execution time (ms) and shared buffers touched by one guide query."""
    text = queries.get(name).text
    row = conn.execute(
        queries.get("bench/explain_analyze").text.replace("{query}", text)
    ).fetchone()
    assert row is not None
    plan = row[0][0]
    top = plan["Plan"]
    buffers = int(top.get("Shared Hit Blocks", 0)) + int(top.get("Shared Read Blocks", 0))
    return float(plan["Execution Time"]), buffers


def measure_guide(dsn: str, result: SizeResult, repeats: int = 3) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for name in GUIDE_REFRESH + GUIDE_DUPLICATE_SCAN:
            _explain(conn, name)  # warm the cache as a live dashboard would be
            runs = [_explain(conn, name) for _ in range(repeats)]
            ms = statistics.median(r[0] for r in runs)
            result.guide_per_query_ms[name] = ms
            if name in GUIDE_REFRESH:
                result.guide_refresh_ms += ms
                result.guide_refresh_buffers += int(statistics.median(r[1] for r in runs))
            else:
                result.guide_duplicate_scan_ms += ms


async def measure_console(dsn: str, result: SizeResult, polls: int, interval: float) -> None:
    from console.metrics.collector import Collector

    settings = load_settings(environ={}, config_file=None)
    async with Collector(dsn, settings) as collector:
        started = time.perf_counter()
        first = await collector.poll()
        result.console_initial_load_ms = (time.perf_counter() - started) * 1000
        result.console_panel_errors.update(first.panel_errors)
        for _ in range(polls):
            await asyncio.sleep(interval)
            started = time.perf_counter()
            snapshot = await collector.poll()
            result.console_polls_ms.append((time.perf_counter() - started) * 1000)
            result.console_rows_per_poll.append(snapshot.rows_read)
            result.console_panel_errors.update(snapshot.panel_errors)


def bench_size(
    server: EmbeddedPostgres, events: int, *, polls: int, interval: float, say: Any
) -> SizeResult:
    from console.sim.demo import BackgroundLive
    from console.sim.world import generate_world

    dsn = server.create_database(f"bench_{events}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_monitored_schema(conn)
    result = SizeResult(events=events)
    say(f"generating {events:,} events")
    started = time.perf_counter()
    generate_world(dsn, events=events, seed=7)
    result.generate_seconds = time.perf_counter() - started
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(queries.get("bench/vacuum_analyze").text)
    live = BackgroundLive(dsn, load_settings(environ={}, config_file=None), [], rate=5.0)
    live.start()
    try:
        say(f"measuring the console at {events:,} events (live traffic on)")
        asyncio.run(measure_console(dsn, result, polls, interval))
        say(f"measuring the guide's queries at {events:,} events")
        measure_guide(dsn, result)
    finally:
        live.stop()
    server.drop_database(f"bench_{events}")
    return result


def run_bench(events: int, *, polls: int = 20, interval: float = 0.5, say: Any = None) -> dict:
    say = say or (lambda _msg: None)
    sizes = sorted({max(1_000, events // 10), events})
    with EmbeddedPostgres() as server:
        results = [
            bench_size(server, size, polls=polls, interval=interval, say=say) for size in sizes
        ]
    small, large = results[0].as_dict(), results[-1].as_dict()
    console_large = max(large["console"]["poll_p50_ms"], 1e-6)
    return {
        "sizes": [r.as_dict() for r in results],
        "refresh_ratio_guide_over_console": round(large["guide"]["refresh_ms"] / console_large, 1),
        "refresh_ratio_with_duplicate_scan": round(
            (large["guide"]["refresh_ms"] + large["guide"]["duplicate_scan_ms"]) / console_large, 1
        ),
        "console_growth_large_over_small": round(
            console_large / max(small["console"]["poll_p50_ms"], 1e-6), 2
        ),
        "guide_growth_large_over_small": round(
            large["guide"]["refresh_ms"] / max(small["guide"]["refresh_ms"], 1e-6), 2
        ),
        "note": "console poll time is client wall time (an upper bound on its database time); "
        "guide time is the server's EXPLAIN ANALYZE execution time",
    }
