"""`python -m console.cli.world`: generate a demo world and print its summary as JSON.

Into DSN (whose schema must exist), or into a throw-away embedded server with the
guide's schema -- the measured run of the report ("1M events in well under a minute")
is this command.
"""

from __future__ import annotations

import argparse
import json
import sys

from console.core.db import DatabaseError
from console.sim.world import WorldSummary, generate_world


def _embedded(args: argparse.Namespace) -> WorldSummary:
    import psycopg

    from console.sim.embedded import EmbeddedPostgres
    from console.sim.schema import apply_monitored_schema

    with EmbeddedPostgres() as server:
        dsn = server.create_database("world")
        with psycopg.connect(dsn, autocommit=True) as conn:
            apply_monitored_schema(conn, id_type=args.id_type)
        return generate_world(dsn, days=args.days, events=args.events, seed=args.seed)


def main(argv: list[str] | None = None) -> int:
    """`python -m console.cli.world [--dsn DSN] [--events N] [--days D] [--seed S]`."""
    parser = argparse.ArgumentParser(prog="python -m console.cli.world")
    parser.add_argument("--dsn", help="database with the guide's schema (default: embedded)")
    parser.add_argument("--events", type=int, default=None)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--id-type", choices=("bigint", "uuid"), default="bigint")
    args = parser.parse_args(argv)
    try:
        if args.dsn:
            summary = generate_world(args.dsn, days=args.days, events=args.events, seed=args.seed)
        else:
            summary = _embedded(args)
    except (DatabaseError, ValueError) as exc:
        print(f"world: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary.as_dict(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
