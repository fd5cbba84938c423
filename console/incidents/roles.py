"""Roles on a shared incident: one commander, operators, observers.

The commander is `incidents.commander`. Everyone else is an operator unless the commander
made them an observer, or they joined as one (a manager watching, the browser view).
Observers see everything and run nothing: no step, no action, no approval. The lead moves
by a compare-and-set on the commander column, so two people taking it at the same moment
cannot both win, and every move goes on the timeline.
"""

from __future__ import annotations

from typing import Any

import psycopg

from console.core.db import DatabaseError
from console.core.state import InputError, check_text
from console.incidents import live_sql
from console.incidents.model import Incident

COMMANDER = "commander"
OPERATOR = "operator"
OBSERVER = "observer"
ROLES = (COMMANDER, OPERATOR, OBSERVER)


class NotAllowed(DatabaseError):
    """The person's role does not allow this; the message says who can."""

    kind = "not_allowed"


def members(conn: psycopg.Connection[Any], incident_id: Any) -> dict[str, str]:
    """The roles set explicitly on an incident: who -> operator | observer."""
    return {
        r["who"]: r["role"] for r in live_sql.rows(conn, "members_of", {"incident_id": incident_id})
    }


def role_of(incident: Incident, who: str, explicit: dict[str, str]) -> str:
    if who == incident.commander:
        return COMMANDER
    return explicit.get(who, OPERATOR)


def can_run(role: str) -> bool:
    """Whether this role may run steps and recovery actions."""
    return role in (COMMANDER, OPERATOR)


def require_runner(incident: Incident, who: str, role: str, what: str) -> None:
    """Refuse an observer, naming who can change that."""
    if not can_run(role):
        raise NotAllowed(
            f"{who} is an observer of this incident: observers cannot {what}",
            f"ask the commander ({incident.commander}) to make you an operator",
        )


def set_role(
    conn: psycopg.Connection[Any], incident: Incident, by: str, who: str, role: str
) -> bool:
    """Make `who` an operator or an observer. The commander sets anyone's role; anyone may
    step down to observer; nobody promotes themselves. Returns whether anything changed."""
    check_text(who, "who", max_length=200)
    who = who.strip()
    if not who:
        raise InputError("whose role? give a name")
    if role not in (OPERATOR, OBSERVER):
        raise InputError(
            f"role must be {OPERATOR} or {OBSERVER}; the commander changes with `incident lead`"
        )
    if who == incident.commander:
        raise NotAllowed(
            f"{who} is the commander", "hand the lead to someone else first (incident lead NAME)"
        )
    if by != incident.commander and not (who == by and role == OBSERVER):
        raise NotAllowed(
            f"only the commander ({incident.commander}) sets roles",
            "you may make yourself an observer",
        )
    params = {"incident_id": incident.id, "who": who, "role": role, "set_by": by}
    return live_sql.execute(conn, "set_role", params) > 0


def change_lead(
    conn: psycopg.Connection[Any], incident: Incident, by: str, to: str, role_of_by: str
) -> str:
    """Hand the lead to `to` (the commander's move), or take it (`to == by`, an operator's
    move). Returns the previous commander; refuses if the lead moved meanwhile."""
    check_text(to, "commander", max_length=500)
    to = to.strip()
    if not to:
        raise InputError("who takes the lead? give a name")
    if not incident.is_open:
        raise NotAllowed("the incident is closed", "open a new one")
    if to == incident.commander:
        raise InputError(f"{to} already leads this incident")
    if by != incident.commander:
        if to != by:
            raise NotAllowed(
                f"only the commander ({incident.commander}) hands the lead over",
                "take it yourself with `incident lead --take`",
            )
        if role_of_by == OBSERVER:
            raise NotAllowed(
                f"{by} is an observer: observers cannot take the lead",
                f"ask the commander ({incident.commander}) to make you an operator",
            )
    moved = live_sql.one(
        conn, "change_lead", {"id": incident.id, "expected": incident.commander, "commander": to}
    )
    if moved is None:
        raise NotAllowed(
            "the lead moved (or the incident closed) since you looked",
            "run `incident show` and try again",
        )
    return incident.commander
