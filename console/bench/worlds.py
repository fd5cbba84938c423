"""The bench's databases, generated side by side before anything is measured.

Each size gets a database of its own on the bench's server; the worlds are independent, so
the smaller one is generated (and vacuumed) while the larger one is, on the other core,
instead of after it: the whole bench must fit in ten minutes at 10M events, and the larger
world's load is one backend busy for minutes. Nothing is measured while worlds are being
generated, so no figure is taken on a machine the generator is loading; only the smaller
size's `generate_seconds` is taken while the larger one loads the other core.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from console import queries
from console.sim.embedded import EmbeddedPostgres
from console.sim.schema import apply_monitored_schema

Say = Callable[[str], None]
SEED = 7  # the bench's worlds are the same from run to run


@dataclass(frozen=True)
class BenchWorld:
    """A generated database ready to measure: its DSN and how long generation took."""

    events: int
    dsn: str
    generate_seconds: float


def database_name(events: int) -> str:
    return f"bench_{events}"


@contextmanager
def timed(say: Say, label: str) -> Iterator[None]:
    """Say how long one step of the bench took (the whole run must stay within 10 minutes)."""
    started = time.perf_counter()
    yield
    say(f"{label}: {time.perf_counter() - started:.1f} s")


def build_world(server: EmbeddedPostgres, events: int, say: Say) -> BenchWorld:
    """One size's database: the guide's schema and indexes, history, then VACUUM ANALYZE."""
    from console.sim.world import generate_world

    dsn = server.create_database(database_name(events))
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_monitored_schema(conn)
    say(f"generating {events:,} events")
    started = time.perf_counter()
    generate_world(dsn, events=events, seed=SEED, say=lambda m: say(f"[{events:,}] {m}"))
    generate_seconds = time.perf_counter() - started
    say(f"generated {events:,} events in {generate_seconds:.1f} s")
    with timed(say, f"[{events:,}] vacuum analyze"), psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(queries.get("bench/vacuum_analyze").text)
    return BenchWorld(events=events, dsn=dsn, generate_seconds=generate_seconds)


def build_worlds(server: EmbeddedPostgres, sizes: Sequence[int], say: Say) -> list[BenchWorld]:
    """Every size's world, generated concurrently (largest first), in the order of `sizes`."""
    with ThreadPoolExecutor(max_workers=len(sizes), thread_name_prefix="bench-world") as pool:
        futures = {
            size: pool.submit(build_world, server, size, say)
            for size in sorted(sizes, reverse=True)
        }
        return [futures[size].result() for size in sizes]
