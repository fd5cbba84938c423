"""What the console's role can and cannot do, the exact GRANTs that fix it, and RLS.

Asked of the catalogue (`has_table_privilege`, `pg_has_role`), never tried. The GRANTs are
two sets, printed with this database's names (`sql/doctor/grant_*.sql`, composed with
psycopg.sql identifiers): a read-only monitoring role, and a recovery role that adds the
writes the recovery actions make. Row-level security without BYPASSRLS is a warning:
every count the console shows may then be filtered by the table's policies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from console.doctor.fixes import Part, statement, statements
from console.doctor.report import Check

# (capability, satisfied by) — in the order an operator reads them
_WRITES = {
    "change webhook_events": ("webhook_events", ("can_update", "can_delete")),
    "change orders": ("orders", ("can_update",)),
    "insert payments": ("payments", ("can_insert",)),
}


def grant_statements(
    kind: str,
    role: str,
    database: str,
    tables: dict[str, tuple[str, str]],
    *,
    state_schema: bool = False,
) -> list[str]:
    """The GRANTs for a `monitoring` or `recovery` role; `tables` maps a contract table to
    its (schema, relation)."""
    parts: dict[str, Part] = {
        "role": role,
        "database": database,
        "schemas": [(s,) for s in sorted({where[0] for where in tables.values()})],
        "tables": [tables[name] for name in sorted(tables)],
        **tables,
    }
    out = statements("grant_monitoring", **parts)
    if state_schema:
        out += statements("grant_state", **parts)
    if kind == "recovery":
        out += statements("grant_recovery", **parts)
    return out


def role_checks(role: dict[str, Any], privileges: Iterable[dict[str, Any]]) -> list[Check]:
    """`role` (can / cannot, with both GRANT sets) and `row_level_security`."""
    privileges = list(privileges)
    by_table = {p["table_name"]: p for p in privileges}
    name = str(role["role"])
    superuser = bool(role["superuser"])
    can: list[str] = []
    cannot: list[str] = []

    def sort(ok: bool, what: str) -> None:
        (can if ok else cannot).append(what)

    sort(bool(privileges) and all(p["can_select"] for p in privileges), "read the tables")
    sort(superuser or bool(role["read_all_stats"]), "see other sessions' queries")
    sort(superuser or bool(role["read_all_settings"]), "read all settings")
    for what, (table, needs) in _WRITES.items():
        row = by_table.get(table)
        sort(bool(row) and all(row[n] for n in needs), what)
    sort(superuser or bool(role["signal_backend"]), "signal other roles' backends")
    owner = by_table.get("webhook_events", {}).get("owned", False)
    sort(superuser or bool(owner), "build the event_id index (owner)")
    if role["state_schema"]:
        sort(superuser or bool(role["can_audit"]), "write the audit log")
    if superuser:
        detail = f"role {name} is a superuser: it can do all the console does, and more"
    elif cannot:
        detail = f"role {name} cannot: {', '.join(cannot)}; can: {', '.join(can) or 'nothing'}"
    else:
        detail = f"role {name} can do all the console does: {', '.join(can)}"
    fix = ""
    if cannot and privileges:
        tables = {p["table_name"]: (p["schema_name"], p["relation"]) for p in privileges}
        database = str(role.get("database") or "")
        state = bool(role["state_schema"])
        monitoring = grant_statements("monitoring", name, database, tables, state_schema=state)
        recovery = grant_statements("recovery", name, database, tables, state_schema=state)
        extra = [s for s in recovery if s not in monitoring]
        fix = (
            f"read-only monitoring role: {' '.join(monitoring)} "
            f"recovery role, in addition: {' '.join(extra)}"
        )
    checks = [Check("role", "info", detail, fix)]
    checks.append(_rls_check(name, superuser, bool(role["bypass_rls"]), privileges))
    return checks


def _rls_check(name: str, superuser: bool, bypass: bool, privileges: list[dict[str, Any]]) -> Check:
    filtered = [
        p["table_name"]
        for p in privileges
        if p["row_security"] and not (superuser or bypass)
        and not (p["owned"] and not p["force_row_security"])
    ]  # fmt: skip
    if not filtered:
        on = [p["table_name"] for p in privileges if p["row_security"]]
        detail = (
            f"row-level security on {', '.join(on)}, but role {name} is not filtered by it"
            if on
            else "no contract table has row-level security"
        )
        return Check("row_level_security", "ok", detail)
    return Check(
        "row_level_security",
        "warn",
        f"row-level security is on for {', '.join(filtered)} and role {name} does not "
        "bypass it: every count the console shows may be filtered by the policies",
        f"as a superuser: {statement('fix_bypass_rls', role=name)} or, per table, a policy "
        "that lets it read every row: "
        + " ".join(statement("fix_rls_policy", role=name, table=t) for t in filtered),
    )
