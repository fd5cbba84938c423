"""What counts as "changed since the preview": the rules apply checks the rows against.

Today the previewed set must match exactly: before the first batch, the preview run again
must return the same keys (and, for carried columns such as a session's backend_start,
the same values); inside each batch the write must return exactly the batch's keys, else
the batch rolls back. Every comparison is here, so a change of rule (e.g. the previewed
set as an upper bound) is a change to this module only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from console.recovery.model import ActionSpec
from console.recovery.plan import Plan
from console.recovery.results import ActionResult
from console.recovery.run import Run

Carried = Mapping[str, Mapping[str, Any]]


def carried_values(spec: ActionSpec, plan: Plan) -> dict[str, dict[str, Any]]:
    """Per carried column, the previewed value of each key (as text)."""
    return {c: {str(r[spec.key]): r[c] for r in plan.rows} for c in spec.carry}


def changed_since_preview(run: Run, now_rows: Sequence[Mapping[str, Any]]) -> ActionResult | None:
    """The refusal when the preview, run again now, no longer shows what was previewed."""
    spec, p = run.spec, run.plan
    now_keys = [r[spec.key] for r in now_rows]
    if sorted(map(str, now_keys)) != sorted(map(str, p.keys)):
        gone = len(set(map(str, p.keys)) - set(map(str, now_keys)))
        new = len(set(map(str, now_keys)) - set(map(str, p.keys)))
        run.error_kind = "changed"
        return run.result(
            "changed_since_preview",
            f"rows changed since the preview ({p.count} previewed, {len(now_keys)} match now: "
            f"{gone} no longer match, {new} new); nothing was changed — preview again",
        )
    # Carried values come from the preview the operator saw: a pid reused by a new session
    # since then has another backend_start, so it is refused here and, where the write
    # re-checks it too, matches nothing there.
    carried = carried_values(spec, p)
    # A carried value that reads NULL (a backend_start hidden from a role without
    # pg_read_all_stats) proves nothing: refused, never compared as equal.
    hidden = [str(r[spec.key]) for r in now_rows for c in carried if r.get(c) is None]
    if hidden:
        run.error_kind = "changed"
        return run.result(
            "changed_since_preview",
            f"{', '.join(hidden)}: {', '.join(spec.carry)} is hidden from this role, so it "
            "cannot be the previewed session for sure; nothing was changed",
        )
    moved = [
        str(r[spec.key])
        for r in now_rows
        for c, by_key in carried.items()
        if r.get(c) != by_key.get(str(r[spec.key]))
    ]
    if moved:
        run.error_kind = "changed"
        return run.result(
            "changed_since_preview",
            f"{', '.join(moved)}: not the previewed session any more "
            f"({', '.join(spec.carry)} changed); nothing was changed — preview again",
        )
    return None


def batch_changed(chunk: Sequence[Any], returned: Sequence[Any]) -> str:
    """Why a batch must roll back ('' when its write changed exactly the batch's keys)."""
    if sorted(map(str, returned)) != sorted(map(str, chunk)):
        return (
            f"rows changed since the preview: {len(chunk)} previewed, {len(returned)} still match"
        )
    return ""
