"""The registry of recovery actions the console knows, found by id or by finding.

The actions are declared per family in `console.recovery.families` (rows, sessions,
index, stripe); each names a preview/apply pair in `sql/recovery/` and says, in its description,
how and why it differs from the guide's own SQL. `console.recovery.actions` runs them
and re-exports the names callers use.
"""

from __future__ import annotations

from console.recovery.errors import UnknownAction
from console.recovery.families import index, rows, sessions, stripe
from console.recovery.model import ActionSpec

ACTIONS: dict[str, ActionSpec] = {
    spec.id: spec for family in (rows, sessions, index, stripe) for spec in family.SPECS
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


def sql_pair(action: str) -> tuple[str, str]:
    """The (write, preview) queries of the SQL action a runbook names (`recovery/<id>`):
    its spec's (the two backend signals share one pair), else the catalogue's naming rule
    `<write>` + `<write>_preview`, which a pair without a spec follows."""
    spec = ACTIONS.get(action.removeprefix("recovery/"))
    if spec is None or spec.kind == "stripe":
        return action, f"{action}_preview"
    return spec.apply, spec.preview
