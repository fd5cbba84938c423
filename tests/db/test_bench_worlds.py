"""The bench's worlds, generated side by side before anything is measured."""

from __future__ import annotations

import psycopg
import pytest

from console.bench.worlds import build_worlds, database_name
from console.sim.embedded import EmbeddedPostgres

SIZES = (1_000, 3_000)


@pytest.mark.timeout(300)
def test_worlds_side_by_side_come_back_in_size_order_generated_and_vacuumed(
    pg_server: EmbeddedPostgres,
) -> None:
    heard: list[str] = []
    worlds = build_worlds(pg_server, list(SIZES), heard.append)
    try:
        assert [w.events for w in worlds] == list(SIZES)
        for world in worlds:
            assert world.generate_seconds > 0
            with psycopg.connect(world.dsn) as conn:
                events = conn.execute("SELECT count(*) FROM webhook_events").fetchone()[0]
                last_vacuum = conn.execute(
                    "SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'webhook_events'"
                ).fetchone()[0]
            assert abs(events - world.events) <= world.events * 0.1
            assert last_vacuum is not None  # ready to measure: vacuumed and analyzed
        assert any("[3,000] world: world/insert_events" in line for line in heard)  # timed
    finally:
        for size in SIZES:
            pg_server.drop_database(database_name(size))
