"""The schema contract against a real database: tables, columns, id types, indexes.

Recommended indexes are matched by table, leading key columns and predicate (from
pg_index), never by name: an operator's own `evt_by_time (created_at, event_type)` serves
the console as well as ours does.
"""

from __future__ import annotations

from typing import Any

from console.core.schema_contract import RECOMMENDED_INDEXES, TABLES, RecommendedIndex
from console.doctor.fixes import statement
from console.doctor.report import Check, Status


def _id_class(data_type: str) -> str:
    if data_type in ("bigint", "integer", "smallint"):
        return "bigint" if data_type == "bigint" else f"other ({data_type})"
    return "uuid" if data_type == "uuid" else f"other ({data_type})"


def schema_checks(columns: list[dict[str, Any]]) -> tuple[list[Check], dict[str, str]]:
    """Required tables/columns present; optional ones reported; id types consistent."""
    found: dict[str, dict[str, str]] = {}
    qualified: dict[str, str] = {}
    for row in columns:
        found.setdefault(row["table_name"], {})[row["column_name"]] = row["data_type"]
        qualified[row["table_name"]] = row["qualified_name"]
    checks: list[Check] = []
    for table in TABLES:
        cols = found.get(table.name)
        name = f"table:{table.name}"
        if cols is None:
            if table.optional:
                checks.append(
                    Check(
                        name,
                        "info",
                        "absent (optional): the notification-failure detector is off",
                        "create it to watch notification delivery (sql/schema/notifications.sql)",
                    )
                )
            else:
                checks.append(
                    Check(
                        name,
                        "fail",
                        "missing: not found on the search_path",
                        "check the database name and search_path in the DSN "
                        "(e.g. ?options=-csearch_path=app), or create the guide's table",
                    )
                )
            continue
        missing = [c for c in table.columns if c not in cols]
        if missing:
            checks.append(
                Check(
                    name,
                    "warn" if table.optional else "fail",
                    f"{qualified[table.name]} lacks column(s): {', '.join(missing)}",
                    "add the column(s) the guide's queries use, or point at the right schema",
                )
            )
        else:
            checks.append(
                Check(name, "ok", f"{qualified[table.name]}: all {len(table.columns)} columns")
            )

    id_types: dict[str, str] = {}
    for table in TABLES:
        for column in table.id_columns:
            data_type = found.get(table.name, {}).get(column)
            if data_type:
                id_types[f"{table.name}.{column}"] = data_type
    checks.append(_id_type_check(id_types))
    return checks, id_types


def _id_type_check(id_types: dict[str, str]) -> Check:
    order_id = id_types.get("orders.id")
    if order_id is None:
        return Check("id_types", "fail", "orders.id not found: ids cannot be checked")
    mismatched = [k for k, v in id_types.items() if k.endswith(".order_id") and v != order_id]
    if mismatched:
        return Check(
            "id_types",
            "fail",
            f"order references differ from orders.id ({order_id}): "
            + ", ".join(f"{k} is {id_types[k]}" for k in mismatched),
            "make every order_id the same type as orders.id (ALTER TABLE … ALTER COLUMN "
            "order_id TYPE …), or joins from events to orders cannot use their indexes",
        )
    kind = _id_class(order_id)
    status: Status = "ok" if kind in ("bigint", "uuid") else "warn"
    detail = f"{kind} ids; every order_id has the type of orders.id ({order_id})"
    return Check("id_types", status, detail)


def index_checks(indexes: list[dict[str, Any]], present_tables: set[str]) -> list[Check]:
    """Each recommended index: matched by table + leading columns + predicate."""
    checks: list[Check] = []
    for wanted in RECOMMENDED_INDEXES:
        if wanted.table not in present_tables:
            continue
        name = f"index:{wanted.name}"
        matches = [ix for ix in indexes if wanted.served_by(ix)]
        valid = [ix for ix in matches if ix["valid"]]
        if valid:
            checks.append(
                Check(name, "ok", f"{_describe(wanted)}: served by {valid[0]['index_name']}")
            )
        elif matches:
            bad = matches[0]["index_name"]
            checks.append(
                Check(
                    name,
                    "warn",
                    f"{_describe(wanted)}: {bad} exists but is INVALID (a failed concurrent build)",
                    f"{statement('fix_drop_invalid_index', index=bad)} {wanted.create_statement()}",
                )
            )
        else:
            checks.append(
                Check(
                    name,
                    "warn",
                    f"missing {_describe(wanted)}: {wanted.why}",
                    wanted.create_statement(concurrently=True),
                )
            )
    return checks


def _describe(wanted: RecommendedIndex) -> str:
    where = f" where {wanted.where}" if wanted.where else ""
    return f"{wanted.table} ({', '.join(wanted.columns)}){where}"
