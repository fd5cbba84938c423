"""What each live query costs the server at steady state: EXPLAIN (ANALYZE, BUFFERS).

    python tools/explain_live.py --events 1000000      # builds the demo world first
    python tools/explain_live.py --dsn postgresql://…  # an existing database (read only)

Runs every query of `sql/live/` with the parameters a steady-state poll gives it (windows
on the server's clock, the settled range of the unprocessed fingerprint, the slow-cadence
windows), twice each, and prints one JSON document: per query the server's execution
time of the second run, shared buffers touched, rows returned and the indexes its plan
uses. Why: the Collector's cost must follow the window and the recent minutes, not the
table; this shows which query would break that, and whether it uses its declared index.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from console import queries
from console.metrics.buckets import window_start

MINUTE = timedelta(minutes=1)
OVERLAP = timedelta(seconds=30)  # the Collector's default overlap margin


def steady_state_params(now: datetime) -> dict[str, dict[str, Any]]:
    """Each live query's parameters as a poll some minutes after start-up binds them."""
    start = window_start(now)
    settled_to = now - 5 * MINUTE
    return {
        "live/server": {},
        "live/events_since": {"since": now - OVERLAP},
        "live/processed_since": {"since": now - OVERLAP, "window_start": start},
        "live/unprocessed_fingerprint": {
            "compare_from": start,
            "compare_to": settled_to,
            "keep_from": start,
            "keep_to": settled_to,
            "scan_from": start,
            "scan_to": settled_to,
        },
        "live/unprocessed": {"since": settled_to},
        "live/unprocessed_before": {"since": start - MINUTE, "until": start, "retry_limit": 3},
        "live/unprocessed_summary": {"since": start, "start": start, "retry_limit": 3},
        "live/events_by_id": {"ids": []},
        "live/stuck_orders": {
            "states": ["pending", "pending_payment"],
            "since": now - 61 * MINUTE,
            "before": now - 60 * MINUTE,
        },
        "live/connections": {},
        "live/duplicates_1h": {"since": now - 60 * MINUTE},
        "live/paid_without_payment": {"since": now - timedelta(hours=24)},
        "live/notifications_1h": {"since": now - 60 * MINUTE},
    }


def _indexes(node: dict[str, Any]) -> set[str]:
    found = {node["Index Name"]} if "Index Name" in node else set()
    for child in node.get("Plans", []):
        found |= _indexes(child)
    return found


def explain_all(dsn: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET default_transaction_read_only = on")
        row = conn.execute("SELECT now()").fetchone()
        assert row is not None
        for name, params in steady_state_params(row[0]).items():
            query = queries.get(name)
            if name == "live/events_by_id":
                params = {
                    "ids": [r[0] for r in conn.execute("SELECT id FROM webhook_events LIMIT 5")]
                }
            text = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query.text
            for _ in range(2):  # the first run warms the cache, as a running console would
                plan_row = conn.execute(text, query.bind(params)).fetchone()  # type: ignore[arg-type]
            assert plan_row is not None
            plan = plan_row[0][0]
            top = plan["Plan"]
            out[name] = {
                "ms": round(float(plan["Execution Time"]), 2),
                "buffers": int(top.get("Shared Hit Blocks", 0))
                + int(top.get("Shared Read Blocks", 0)),
                "rows": int(top.get("Actual Rows", 0)),
                "indexes": sorted(_indexes(top)),
                "cadence": CADENCE.get(name, "every poll"),
            }
    return out


CADENCE = {
    "live/unprocessed_fingerprint": "every 5 s (settled check)",
    "live/unprocessed_before": "slow",
    "live/duplicates_1h": "slow",
    "live/paid_without_payment": "slow",
    "live/notifications_1h": "slow",
    "live/unprocessed_summary": "large backlog only",
    "live/events_by_id": "rows left unexplained",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.dsn:
        print(json.dumps({"dsn": "given", "queries": explain_all(args.dsn)}, indent=1))
        return 0
    from console.sim.embedded import EmbeddedPostgres
    from console.sim.schema import apply_monitored_schema
    from console.sim.world import generate_world

    with EmbeddedPostgres() as server:
        dsn = server.create_database("explain_live")
        with psycopg.connect(dsn, autocommit=True) as conn:
            apply_monitored_schema(conn)
        generate_world(dsn, events=args.events, seed=7)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(json.dumps({"events": args.events, "queries": explain_all(dsn)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
