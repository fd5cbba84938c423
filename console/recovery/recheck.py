"""What counts as "changed since the preview": the rules apply checks the rows against.

Two rules, every comparison here:
- upper bound (the default for row actions): the typed token confirms the previewed set
  as the most that may change. Each batch's write re-checks the condition row by row
  over the previewed keys; a previewed row that no longer matches is left alone and
  counted (`skipped_no_longer_matching`), a row that matches only since the preview is
  never touched, only counted (`new_matches_not_touched`), with "preview again". On a
  live incident more rows join the condition every second: the old rule refused then.
- exact (`--exact`, the dialog's checkbox; always for a signal and the index build):
  before the first batch the preview run again must return the same keys (and, for
  carried columns such as a session's backend_start, the same values); inside each
  batch the write must return exactly the batch's keys, else the batch rolls back.
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
        run.new_matches = new
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


def new_since_preview(run: Run, now_rows: Sequence[Mapping[str, Any]]) -> int:
    """How many rows match now that were not previewed: never touched, only counted."""
    previewed = set(map(str, run.plan.keys))
    return sum(1 for r in now_rows if str(r[run.spec.key]) not in previewed)


def batch_changed(chunk: Sequence[Any], returned: Sequence[Any], *, exact: bool = True) -> str:
    """Why a batch must roll back ('' when its write changed exactly the batch's keys, or,
    under the upper bound, only keys of the batch)."""
    if not exact and set(map(str, returned)) <= set(map(str, chunk)):
        return ""
    if sorted(map(str, returned)) != sorted(map(str, chunk)):
        return (
            f"rows changed since the preview: {len(chunk)} previewed, {len(returned)} still match"
        )
    return ""


def tally(skipped: int, new: int) -> str:
    """The upper bound's two counts as the operator reads them ('' when both are 0)."""
    parts = []
    if skipped:
        parts.append(
            f"{skipped} previewed row{'s were' if skipped != 1 else ' was'} already fixed "
            "(left alone)"
        )
    if new:
        parts.append(f"{new} more match now: preview again")
    return "; ".join(parts)
