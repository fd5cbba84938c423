"""Schemas as they exist in the wild: orders.state as an ENUM, naive timestamps.

- `order_state`: an ENUM works with every console query (labels compare as text), but a
  recovery action that writes a state the type lacks ('pending_payment') would fail, so
  missing guide states are a warning with the `ALTER TYPE … ADD VALUE` that fixes it.
- `timestamps`: `timestamp without time zone` columns are read, like `now()` writes them,
  as local time in the server's TimeZone; doctor says which zone that is, since an
  application that writes UTC into them while the server runs elsewhere shifts every age.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import sql

from console.core.schema_contract import KNOWN_STATES, TABLES_BY_NAME
from console.doctor.fixes import statement
from console.doctor.report import Check


def wild_checks(columns: Iterable[dict[str, Any]], time_zone: str, database: str) -> list[Check]:
    columns = list(columns)
    checks: list[Check] = []
    state = next(
        (c for c in columns if c["table_name"] == "orders" and c["column_name"] == "state"), None
    )
    if state is not None and state.get("is_enum"):
        labels = list(state.get("enum_labels") or [])
        missing = [s for s in KNOWN_STATES if s not in labels]
        type_name = str(state["data_type"])
        if missing:
            checks.append(
                Check(
                    "order_state",
                    "warn",
                    f"orders.state is the ENUM {type_name} without the guide's state(s) "
                    f"{', '.join(missing)}: an action writing one of them fails",
                    " ".join(
                        statement(
                            "fix_enum_value", type=sql.SQL(type_name), label=sql.Literal(label)
                        )
                        for label in missing
                    ),
                )
            )
        else:
            checks.append(
                Check(
                    "order_state",
                    "ok",
                    f"orders.state is the ENUM {type_name} with every state the guide uses",
                )
            )
    naive = [
        f"{c['table_name']}.{c['column_name']}"
        for c in columns
        if c["data_type"] == "timestamp without time zone" and c["table_name"] in TABLES_BY_NAME
    ]
    if naive:
        checks.append(
            Check(
                "timestamps",
                "info",
                f"{', '.join(naive)} are timestamp without time zone: read, as now() writes "
                f"them, as local time in the server's TimeZone ({time_zone})",
                "if the application writes UTC into them, give the database that zone: "
                + statement("fix_database_timezone", database=database, zone=sql.Literal("UTC")),
            )
        )
    return checks
