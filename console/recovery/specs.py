"""The registry of recovery actions the console knows, found by id or by finding.

The actions are declared per family in `console.recovery.families` (rows, sessions,
index); each names a preview/apply pair in `sql/recovery/` and says, in its description,
how and why it differs from the guide's own SQL. `console.recovery.actions` runs them
and re-exports the names callers use.
"""

from __future__ import annotations

from console.recovery.errors import UnknownAction
from console.recovery.families import index, rows, sessions
from console.recovery.model import ActionSpec

ACTIONS: dict[str, ActionSpec] = {
    spec.id: spec for family in (rows, sessions, index) for spec in family.SPECS
}


def actions_for_finding(finding_id: str) -> list[ActionSpec]:
    """The recovery actions that address a triage finding, in registry order."""
    return [spec for spec in ACTIONS.values() if finding_id in spec.findings]


def get_spec(action_id: str) -> ActionSpec:
    """An action by id; runbooks name it by its query (`recovery/<id>`), accepted too."""
    try:
        return ACTIONS[action_id.removeprefix("recovery/")]
    except KeyError:
        known = ", ".join(sorted(ACTIONS))
        raise UnknownAction(f"no recovery action named {action_id!r}", f"known: {known}") from None
