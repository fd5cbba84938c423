"""`incident-console bench`: what the console costs and what a user feels, console vs guide.

For two table sizes (N/10 and N events) it builds an embedded database with the guide's
schema and recommended indexes, generates history, starts live simulated traffic, and
then measures side by side:

- the console, in a process of its own (probe.py): time from start to first data and to
  a complete 24 h history, then a steady window of polls every `interval` seconds with
  triage: the database CPU its backend spent per minute, its own CPU (% of a core) and
  resident memory, the poll's time (p50/p95: client wall time, an upper bound on its
  database time) and rows read per poll;
- the guide: its dashboard and panel queries exactly as written (`sql/guide/`), run in a
  loop at the same interval for the same window (first data, database CPU per minute),
  and through `EXPLAIN (ANALYZE, BUFFERS)` for the server's execution time and buffers
  touched, with the duplicate scan reported separately as the guide's own numbers are.

The headline numbers are the ratio guide/console at the larger size and the console's
growth from the smaller size to the larger one.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

import psycopg

from console import queries
from console.bench.probe import measure_console_process, measure_guide_loop
from console.bench.worlds import BenchWorld, build_worlds, database_name, timed
from console.core.config import load_settings
from console.sim.embedded import EmbeddedPostgres

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
LIVE_RATE = 10.0  # events a second of live traffic during the measurement (the issue's)
# The bench's own server: nothing replicates from it, so at wal_level minimal the world's
# big load (into tables it empties first) and its index builds skip the WAL, about a third
# less work for the generator; the measured queries only read and are not affected.
BENCH_SERVER_SETTINGS = {"wal_level": "minimal", "max_wal_senders": "0"}


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
    console_felt: dict[str, Any] = field(default_factory=dict)
    guide_felt: dict[str, Any] = field(default_factory=dict)

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
                **self.console_felt,
            },
            "guide": {
                "refresh_ms": round(self.guide_refresh_ms, 1),
                "refresh_buffers": self.guide_refresh_buffers,
                "duplicate_scan_ms": round(self.guide_duplicate_scan_ms, 1),
                "per_query_ms": {k: round(v, 1) for k, v in self.guide_per_query_ms.items()},
                **self.guide_felt,
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


def measure_console(dsn: str, result: SizeResult, seconds: float, interval: float) -> None:
    felt = measure_console_process(dsn, seconds, interval)
    if "error" in felt:
        raise RuntimeError(f"the console probe failed: {felt['error']}")
    result.console_initial_load_ms = felt["first_data_seconds"] * 1000
    result.console_polls_ms = felt.pop("polls_ms")
    result.console_rows_per_poll = felt.pop("rows")
    result.console_panel_errors.update(felt.pop("panel_errors"))
    result.console_felt = felt


def bench_size(
    server: EmbeddedPostgres, world: BenchWorld, *, seconds: float, interval: float, say: Any
) -> SizeResult:
    """Measure the console and the guide on one generated world, then drop its database."""
    from console.sim.demo import BackgroundLive

    events, dsn = world.events, world.dsn
    result = SizeResult(events=events, generate_seconds=world.generate_seconds)
    live = BackgroundLive(dsn, load_settings(environ={}, config_file=None), [], rate=LIVE_RATE)
    live.start()
    try:
        say(f"measuring the console at {events:,} events for {seconds:.0f} s (live traffic on)")
        with timed(say, "console measured"):
            measure_console(dsn, result, seconds, interval)
        say(f"measuring the guide's queries at {events:,} events for {seconds:.0f} s")
        with timed(say, "guide loop"):
            result.guide_felt = measure_guide_loop(dsn, GUIDE_REFRESH, seconds, interval)
        with timed(say, "guide EXPLAIN ANALYZE"):
            measure_guide(dsn, result)
    finally:
        live.stop()
    server.drop_database(database_name(events))
    return result


def run_bench(
    events: int, *, seconds: float = 60.0, interval: float = 2.0, say: Any = None
) -> dict:
    say = say or (lambda _msg: None)
    sizes = sorted({max(1_000, events // 10), events})
    with (
        timed(say, "whole bench"),
        EmbeddedPostgres(server_settings=dict(BENCH_SERVER_SETTINGS)) as server,
    ):
        worlds = build_worlds(server, sizes, say)
        results = [
            bench_size(server, world, seconds=seconds, interval=interval, say=say)
            for world in worlds
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
        "console_db_cpu_seconds_per_minute": large["console"].get("db_cpu_seconds_per_minute"),
        "guide_db_cpu_seconds_per_minute": large["guide"].get("db_cpu_seconds_per_minute"),
        "console_first_data_seconds": large["console"].get("first_data_seconds"),
        "guide_first_data_seconds": large["guide"].get("first_data_seconds"),
        "console_rss_mb": large["console"].get("rss_mb"),
        "console_cpu_percent": large["console"].get("cpu_percent"),
        "refresh_seconds": interval,
        "note": "console poll time is client wall time (an upper bound on its database time); "
        "guide time is the server's EXPLAIN ANALYZE execution time; database CPU is the "
        "backend's CPU time from /proc over the steady window; console CPU and RSS are of a "
        "headless console process (Collector + triage, no terminal)",
    }
