"""Headless previews as saved plans: `run --apply STEP` keeps what it previewed, and
`run --confirm TOKEN` applies exactly that set, never a fresh preview.

Two commands a few seconds apart used to preview twice: on a live incident the count
typed was never the count found again. A saved plan holds the previewed keys (the upper
bound of what may change, console.recovery.recheck), the resolved parameters, who
previewed it and when it expires. It lives in the state database
(`incident_console.saved_plans`) or, when that cannot take it (none configured, down,
no schema), in `<state dir>/plans/<plan_id>.json`, readable by its owner only (0600).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from console import queries
from console.core.db import SessionLimits, connect_sync, translate
from console.core.private_files import private_dir, write_private
from console.core.state import default_state_dir, to_json
from console.recovery.errors import ActionError
from console.recovery.plan import Plan
from console.recovery.specs import get_spec

# Long enough to read a preview and type its token; short enough that the rows behind it
# are still the incident's. Every apply re-checks each row anyway.
SAVED_TTL_SECONDS = 900.0
PLANS_DIR = "plans"


class PlanNotFound(ActionError, kind="plan"):
    """No saved plan to apply: preview first (it prints the plan_id)."""


@dataclass(frozen=True)
class SavedPlan:
    """A plan as stored: what the preview found, and for which runbook step and operator."""

    plan: Plan
    runbook: str
    step: str
    operator: str
    where: str = ""  # "state database" or the local file


def _key_type(keys: tuple[Any, ...]) -> str:
    return type(keys[0]).__name__ if keys else "str"


def _typed_key(raw: Any, key_type: str) -> Any:
    if key_type == "int":
        return int(raw)
    if key_type == "UUID":
        return uuid.UUID(str(raw))
    return raw


def to_document(saved: SavedPlan) -> dict[str, Any]:
    """The plan as one JSON document (what both stores keep)."""
    p = saved.plan
    return json.loads(
        to_json(
            {
                "plan_id": p.plan_id,
                "action_id": p.action_id,
                "runbook": saved.runbook,
                "step": saved.step,
                "operator": saved.operator,
                "params": dict(p.params),
                "keys": list(p.keys),
                "key_type": _key_type(p.keys),
                "rows": [dict(r) for r in p.rows],
                "token": p.token,
                "created_at": p.created_at,
                "expires_at": p.expires_at,
                "blocked": p.blocked,
                "note": p.note,
                "nothing_to_do": p.nothing_to_do,
            }
        )
    )


def from_document(doc: dict[str, Any], where: str = "") -> SavedPlan:
    """A stored document back as a Plan whose deadline is its wall-clock expiry."""
    spec = get_spec(doc["action_id"])
    key_type = doc.get("key_type", "str")
    rows = []
    for row in doc.get("rows", []):
        row = dict(row)
        for column in spec.carry:  # compared with the live value: its type matters
            if isinstance(row.get(column), str):
                row[column] = datetime.fromisoformat(row[column])
        rows.append(MappingProxyType(row))
    expires_at = datetime.fromisoformat(doc["expires_at"])
    left = (expires_at - datetime.now(UTC)).total_seconds()
    plan = Plan(
        plan_id=uuid.UUID(doc["plan_id"]),
        action_id=doc["action_id"],
        params=MappingProxyType(dict(doc.get("params", {}))),
        keys=tuple(_typed_key(k, key_type) for k in doc.get("keys", [])),
        rows=tuple(rows),
        token=str(doc["token"]),
        created_at=datetime.fromisoformat(doc["created_at"]),
        expires_at=expires_at,
        deadline=time.monotonic() + left,
        blocked=doc.get("blocked", ""),
        note=doc.get("note", ""),
        nothing_to_do=bool(doc.get("nothing_to_do")),
    )
    return SavedPlan(plan, doc["runbook"], doc["step"], doc["operator"], where)


def with_ttl(plan: Plan, ttl_seconds: float = SAVED_TTL_SECONDS) -> Plan:
    """The plan with a saved plan's lifetime instead of the dialog's."""
    from dataclasses import replace

    return replace(
        plan,
        expires_at=plan.created_at + timedelta(seconds=ttl_seconds),
        deadline=time.monotonic() + ttl_seconds,
    )


@dataclass
class PlanStore:
    """The state database's `saved_plans`, else the local state folder's `plans/`."""

    state_dsn: str | None
    limits: SessionLimits | None = None
    local_dir: Path | None = None
    problem: str = ""  # why the state database did not take the last statement

    @property
    def folder(self) -> Path:
        return (self.local_dir or default_state_dir()) / PLANS_DIR

    def _db(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]] | None:
        """Run a `sql/state/` statement; None when the state database cannot answer."""
        if not self.state_dsn:
            return None
        try:
            with connect_sync(
                self.state_dsn, allow_write=True, limits=self.limits, role="plans"
            ) as conn:
                cur = conn.execute(queries.get(f"state/{name}").text, params)  # type: ignore[arg-type]
                return [dict(r) for r in cur.fetchall()] if cur.description else []
        except Exception as exc:  # no schema, no table, unreachable: the local folder
            self.problem = translate(exc).message
            return None

    def save(self, saved: SavedPlan) -> SavedPlan:
        """Store the plan; returns it with where it went."""
        doc = to_document(saved)
        row = {
            "plan_id": saved.plan.plan_id,
            "created_at": saved.plan.created_at,
            "expires_at": saved.plan.expires_at,
            "operator": saved.operator,
            "runbook": saved.runbook,
            "step": saved.step,
            "action_id": saved.plan.action_id,
            "plan": json.dumps(doc),
        }
        if self._db("plan_insert", row) is not None:
            return SavedPlan(
                saved.plan, saved.runbook, saved.step, saved.operator, "state database"
            )
        path = self.folder / f"{saved.plan.plan_id}.json"
        private_dir(self.folder.parent, own=True)
        write_private(path, json.dumps(doc).encode("utf-8"))  # 0600 in a 0700 folder
        return SavedPlan(saved.plan, saved.runbook, saved.step, saved.operator, str(path))

    def _local(self) -> list[dict[str, Any]]:
        docs = []
        for path in sorted(self.folder.glob("*.json")) if self.folder.is_dir() else []:
            try:
                docs.append({**json.loads(path.read_text(encoding="utf-8")), "_where": str(path)})
            except (OSError, ValueError):
                continue  # a torn file is no plan
        return docs

    def find(self, *, runbook: str, step: str, operator: str, plan_id: str | None) -> SavedPlan:
        """The plan to apply: `plan_id`, else the operator's latest for the step.

        Raises PlanNotFound (unknown, expired, or for another step), one line each.
        """
        wanted = _parse_id(plan_id) if plan_id else None
        if wanted is not None:
            rows = self._db("plan_by_id", {"plan_id": wanted}) or []
            docs = [r["plan"] for r in rows] + [
                d for d in self._local() if d.get("plan_id") == str(wanted)
            ]
            if not docs:
                raise PlanNotFound(
                    f"no saved plan {wanted}",
                    f"preview again: run {runbook} --apply {step} (it prints the plan_id)",
                )
        else:
            found = self._db(
                "plan_latest", {"operator": operator, "runbook": runbook, "step": step}
            )
            docs = [r["plan"] for r in found or []] + [
                d
                for d in self._local()
                if (d.get("operator"), d.get("runbook"), d.get("step")) == (operator, runbook, step)
            ]
            if not docs:
                raise PlanNotFound(
                    f"no saved plan of {runbook} step {step} by {operator}",
                    f"preview first: run {runbook} --apply {step} (without --confirm)",
                )
        doc = max(docs, key=lambda d: d["created_at"])
        saved = from_document(doc, doc.get("_where", "state database"))
        if (saved.runbook, saved.step) != (runbook, step):
            raise PlanNotFound(
                f"plan {saved.plan.plan_id} is for {saved.runbook} step {saved.step}, "
                f"not {runbook} step {step}",
                "pass that runbook and step, or preview this one",
            )
        if saved.plan.expired():
            raise PlanNotFound(
                f"plan {saved.plan.plan_id} expired at {saved.plan.expires_at:%H:%M:%S} UTC "
                f"(previewed {saved.plan.created_at:%H:%M:%S})",
                f"preview again: run {runbook} --apply {step}",
            )
        return saved


def _parse_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise PlanNotFound(
            f"{raw.strip()[:40]!r} is not a plan_id", "copy the plan_id the preview printed"
        ) from None
