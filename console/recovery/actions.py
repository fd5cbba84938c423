"""The recovery executor's public face: preview -> typed confirmation -> guarded batches
-> audit.

Every action is a pair of named queries (`sql/recovery/<name>_preview.sql` and
`<name>.sql`). The preview selects exactly the rows the write would change; the write
takes the previewed keys as `%(ids)s` *and* re-checks the original condition, returning
the keys it changed. So a row that changed after the preview is never touched by
accident: the count differs, the batch rolls back and the operator is told.

Where each part lives (import them from here):
- `plan` / `Plan`: the preview and the token to type (console.recovery.plan);
- `apply`: lock, audit, re-check, batches (console.recovery.apply, .recheck, .batches,
  .index); the advisory lock and naming its holder (console.recovery.locks);
- `ActionResult` / `BatchReport` / `Progress`: what apply reports (console.recovery.results);
- `ACTIONS` / `get_spec`: the registry (console.recovery.specs, families per module);
- the refusals raised before anything is written (console.recovery.errors);
- the audit log (console.recovery.audit); the dashboard's backend signals
  (console.recovery.backends).
"""

from __future__ import annotations

from console.recovery.apply import apply
from console.recovery.audit import AuditUnavailable
from console.recovery.errors import (
    ActionError,
    ActionLocked,
    ActionRefused,
    Holder,
    InvalidParams,
    PlanExpired,
    TokenMismatch,
    UnknownAction,
)
from console.recovery.model import ActionSpec, spec_json
from console.recovery.params import resolve_params
from console.recovery.plan import DEFAULT_TTL_SECONDS, SAMPLE_SIZE, Plan, plan
from console.recovery.results import ActionResult, BatchReport, Progress, ProgressCallback
from console.recovery.specs import ACTIONS, actions_for_finding, get_spec

__all__ = [
    "ACTIONS",
    "DEFAULT_TTL_SECONDS",
    "SAMPLE_SIZE",
    "ActionError",
    "ActionLocked",
    "ActionRefused",
    "ActionResult",
    "ActionSpec",
    "AuditUnavailable",
    "BatchReport",
    "Holder",
    "InvalidParams",
    "Plan",
    "PlanExpired",
    "Progress",
    "ProgressCallback",
    "TokenMismatch",
    "UnknownAction",
    "actions_for_finding",
    "apply",
    "get_spec",
    "plan",
    "resolve_params",
    "spec_json",
]
