"""What a user feels, measured: first data, database CPU, console CPU and memory.

The console side runs in a process of its own (spawned, so the bench's live traffic
thread and the guide's loop are not counted in its CPU or memory): a Collector and
triage, as the dashboard runs them, minus the terminal. Database CPU is the CPU time
the server's backend for one session spent, read from /proc: the embedded server runs
on this machine (pg_stat_statements gives time, not CPU, and is rarely preloaded).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import queue
import resource
import time
from typing import Any

import psycopg

from console import queries

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def backend_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) a server process has used; None off Linux or when gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_mb() -> float:
    """This process's resident memory now (peak where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _per_minute(used: float | None, seconds: float) -> float | None:
    return None if used is None else round(used * 60 / seconds, 3)


async def _console(dsn: str, seconds: float, interval: float) -> dict[str, Any]:
    from console.core.config import load_settings
    from console.metrics.collector import Collector
    from console.triage.evaluate import evaluate

    settings = load_settings(environ={}, config_file=None)
    out: dict[str, Any] = {"panel_errors": {}, "polls_ms": [], "rows": []}
    started = time.perf_counter()
    async with Collector(dsn, settings) as collector:
        first = await collector.poll()
        evaluate(first)
        out["first_data_seconds"] = round(time.perf_counter() - started, 3)
        out["first_loading"] = sorted(first.loading)
        out["panel_errors"].update(first.panel_errors)
        snapshot = first
        while snapshot.loading and time.perf_counter() - started < 300:
            await asyncio.sleep(interval)
            snapshot = await collector.poll()
        out["history_complete_seconds"] = round(time.perf_counter() - started, 3)
        conn = collector.connection
        pid = conn.info.backend_pid if conn is not None else 0
        db_before, own_before = backend_cpu(pid), time.process_time()
        window = time.perf_counter()
        while time.perf_counter() - window < seconds:
            due = time.perf_counter() + interval
            polled = time.perf_counter()
            snapshot = await collector.poll()
            evaluate(snapshot)
            out["polls_ms"].append((time.perf_counter() - polled) * 1000)
            out["rows"].append(snapshot.rows_read)
            out["panel_errors"].update(snapshot.panel_errors)
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
        took = time.perf_counter() - window
        db_after, own = backend_cpu(pid), time.process_time() - own_before
    used = None if db_before is None or db_after is None else db_after - db_before
    out["db_cpu_seconds_per_minute"] = _per_minute(used, took)
    out["cpu_percent"] = round(100 * own / took, 2)
    out["rss_mb"] = round(rss_mb(), 1)
    return out


def _console_child(dsn: str, seconds: float, interval: float, results: Any) -> None:
    try:
        results.put(asyncio.run(_console(dsn, seconds, interval)))
    except BaseException as exc:  # reported to the parent, which says what failed
        results.put({"error": f"{type(exc).__name__}: {exc}"})


def measure_console_process(dsn: str, seconds: float, interval: float) -> dict[str, Any]:
    """The console's figures, from a fresh process of its own."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    child = context.Process(target=_console_child, args=(dsn, seconds, interval, results))
    child.start()
    deadline = time.monotonic() + seconds + 600
    try:
        while True:  # a child that died without a word must not hang the bench
            try:
                out: dict[str, Any] = results.get(timeout=5)
                break
            except queue.Empty:
                if not child.is_alive() or time.monotonic() > deadline:
                    return {"error": f"the console process ended (exit code {child.exitcode})"}
    finally:
        child.join(30)
        if child.is_alive():
            child.terminate()
    return out


def measure_guide_loop(
    dsn: str, names: tuple[str, ...], seconds: float, interval: float
) -> dict[str, Any]:
    """The guide's dashboard queries every `interval`, as a naive console runs them."""
    texts = [queries.get(name).text for name in names]
    with psycopg.connect(dsn, autocommit=True, application_name="bench-guide") as conn:
        pid = conn.info.backend_pid
        started = time.perf_counter()
        for text in texts:
            conn.execute(text).fetchall()  # type: ignore[call-overload]
        first = time.perf_counter() - started
        before, window, refreshes = backend_cpu(pid), time.perf_counter(), 0
        while time.perf_counter() - window < seconds:
            due = time.perf_counter() + interval
            for text in texts:
                conn.execute(text).fetchall()  # type: ignore[call-overload]
            refreshes += 1
            time.sleep(max(0.0, due - time.perf_counter()))
        took = time.perf_counter() - window
        after = backend_cpu(pid)
    used = None if before is None or after is None else after - before
    return {
        "first_data_seconds": round(first, 3),
        "db_cpu_seconds_per_minute": _per_minute(used, took),
        "refreshes": refreshes,
    }
