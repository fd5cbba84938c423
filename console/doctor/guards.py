"""Doctor proves the console's guards on its own connection instead of assuming them.

- `read_only`: a harmless write is tried the way every console read runs; ok only when
  the server refused it (console.core.db.prove_read_only_sync).
- `timeouts`: the limits as the server reports them inside that same transaction.
- `pooler`: what answers (direct, PgBouncer, Supavisor), its mode when it can be told
  (configured, or PgBouncer's admin console), and which guarantees hold there.
- `startup_options`: settings the DSN's own `options=` asked for, compared with what the
  server applied (a pooler with `ignore_startup_parameters = options` drops them).
"""

from __future__ import annotations

import re
from typing import Any

from console.core.db import ReadOnlyProof, SessionLimits, pooler_of, prove_read_only_sync
from console.core.pooler import Pooler, admin_console, guarantees
from console.doctor.report import Check

_OPTION = re.compile(r"(?:-c\s*|--)([A-Za-z_.]+)=(\S+)")


def read_only_check(proof: ReadOnlyProof) -> Check:
    if proof.proven:
        return Check("read_only", "ok", proof.detail)
    return Check(
        "read_only",
        "fail",
        f"read-only is NOT proven on the console's connection: {proof.detail}",
        "do not run the console against this database until it is: check for a pooler "
        "that rewrites transactions, and report it",
    )


def _ms(text: str) -> int | None:
    """A timeout setting as the server shows it ('5s', '2000ms', '0') in milliseconds."""
    match = re.fullmatch(r"(\d+)\s*(ms|s|min|h|d)?", str(text).strip())
    if not match:
        return None
    scale = {"ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}
    return int(match.group(1)) * scale[match.group(2) or "ms"]


def timeouts_check(proof: ReadOnlyProof, limits: SessionLimits) -> Check:
    seen = proof.in_force
    wanted = {
        "statement_timeout": limits.statement_timeout_ms,
        "lock_timeout": limits.lock_timeout_ms,
        "idle_timeout": limits.idle_in_transaction_timeout_ms,
    }
    if not seen:
        return Check("timeouts", "fail", "the guards in force could not be read")
    wrong = [
        f"{k} is {seen.get(k)} (wanted {v} ms)"
        for k, v in wanted.items()
        if _ms(str(seen.get(k))) != v
    ]
    shown = ", ".join(f"{k} {seen.get(k)}" for k in wanted)
    if wrong:
        return Check(
            "timeouts",
            "fail",
            "inside a console transaction: " + "; ".join(wrong),
            "report it: the console sets them LOCAL in every transaction",
        )
    return Check("timeouts", "ok", f"set LOCAL in every console transaction: {shown}")


def pooler_check(conn: Any, dsn: str, database: str) -> tuple[Check, Pooler | None]:
    pooler = pooler_of(conn)
    if pooler is None:
        return Check("pooler", "info", "not a console connection"), None
    if pooler.pooled and (pooler.assumed or not pooler.name):
        found = admin_console(dsn, database)
        if found is not None:
            pooler = Pooler(found.mode, found.name, f"{found.evidence}; {pooler.evidence}")
    kept = [g for g in guarantees(pooler) if g.holds]
    lost = [g for g in guarantees(pooler) if not g.holds]
    detail = pooler.describe()
    if pooler.pooled:
        detail += ". Kept: " + "; ".join(f"{g.name} ({g.why})" for g in kept)
        if lost:
            detail += ". Not kept: " + "; ".join(f"{g.name} ({g.why})" for g in lost)
    fix = ""
    if pooler.assumed:
        fix = 'in session mode, say so: pooler = "session" (INCIDENT_CONSOLE_POOLER=session)'
    return Check("pooler", "info", detail, fix), pooler


def _dsn_options(dsn: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    try:
        return str(conninfo_to_dict(dsn).get("options") or "")
    except Exception:
        return ""


def startup_option_names(dsn: str) -> list[str]:
    """The settings the DSN's own `options=-c name=value` asks for."""
    return [name for name, _ in _OPTION.findall(_dsn_options(dsn))]


def startup_options_check(dsn: str, applied: dict[str, Any]) -> Check | None:
    """The DSN's own `options=-c name=value` against what the server applied."""
    options = _dsn_options(dsn)
    asked = dict(_OPTION.findall(options))
    if not asked:
        return None
    dropped = [
        f"{k}={v} (server has {applied.get(k)!r})"
        for k, v in asked.items()
        if str(applied.get(k)) != v
    ]
    if dropped:
        return Check(
            "startup_options",
            "warn",
            "the DSN's options= were not applied (a pooler drops them): " + ", ".join(dropped),
            "set them on the role instead (ALTER ROLE … SET name = value), where every "
            "server connection picks them up",
        )
    return Check("startup_options", "ok", f"the DSN's options= are in force: {options}")


def guard_checks(
    conn: Any, dsn: str, database: str, limits: SessionLimits
) -> tuple[list[Check], ReadOnlyProof]:
    proof = prove_read_only_sync(conn)
    pooler, _ = pooler_check(conn, dsn, database)
    return [read_only_check(proof), timeouts_check(proof, limits), pooler], proof
