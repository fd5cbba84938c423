"""The two-person rule at the moment of apply: ask, wait, or go (and spend the approval).

`TwoPersonRule.before_apply` is called by every apply path while a shared incident is
open (the TUI's recovery path, `run --apply`): a write that needs a second person raises
`ApprovalPending` the first time (the request is filed, with the preview, for the
commander), again while it waits, `ApprovalRefused` once refused; once approved it spends
the approval (once) and returns it, and `after_refusal` gives it back when the apply was
refused before writing anything (a lock held elsewhere, a wrong token). The rule is the
commander's approval: the commander's own writes are theirs to approve (a lone on-call
engineer who opened the incident can still terminate a runaway session), and without an
open incident there is no commander to ask; in both cases the rule does not apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from console.core.db import DatabaseError
from console.incidents import approvals
from console.incidents.model import Incident
from console.incidents.session import SharedIncident


class ApprovalPending(DatabaseError, kind="approval_pending"):
    """The write waits for the second person; nothing was changed."""


class ApprovalRefused(DatabaseError, kind="approval_refused"):
    """The commander refused this very plan; nothing was changed."""


@dataclass
class TwoPersonRule:
    session: SharedIncident
    threshold: int = approvals.TWO_PERSON_ROWS

    def before_apply(
        self, incident: Incident | None, write: approvals.PreviewedWrite
    ) -> approvals.Approval | None:
        """None when no approval is needed; the spent approval when one was given."""
        if incident is None or not incident.is_open or incident.commander == self.session.who:
            return None
        action_id, params, row_count = write.action_id, write.params, write.row_count
        why = approvals.approval_needed(action_id, row_count, self.threshold)
        if not why:
            return None
        session = self.session
        conn = session.db()
        mine = [
            a
            for a in approvals.of_incident(conn, incident.id)
            if a.requested_by == session.who and approvals.matches(a, action_id, params)
        ]
        for a in mine:
            usable = approvals.usable(a, action_id, params, row_count) == ""
            if usable and approvals.spend(conn, a.id, action_id):  # once: a race loses here
                return a
        for a in mine:
            if a.waiting and a.row_count >= row_count:
                raise ApprovalPending(
                    f"waiting for a second person: {a.describe()}",
                    f"the commander ({incident.commander}) decides on their console or with "
                    "`incident approve`; then apply again",
                )
            if a.status == approvals.REFUSED and a.preview.get("plan_id") == write.plan_id:
                note = f": {a.decision_note}" if a.decision_note else ""
                raise ApprovalRefused(
                    f"{a.decided_by} refused {action_id} on {a.row_count:,} rows{note}",
                    "nothing was changed; preview again to ask anew",
                )
        asked = session.request_approval(incident, write, why=why)
        raise ApprovalPending(
            f"two-person rule: {asked.why}; asked the commander ({incident.commander}) to approve",
            "nothing was changed; apply again once approved (incident approve, or their console)",
        )

    def after_refusal(self, approval: approvals.Approval | None) -> None:
        """The apply wrote nothing: the approval is still good for the retry."""
        if approval is not None:
            approvals.restore(self.session.db(), approval.id)


@contextmanager
def guarded_apply(
    rule: TwoPersonRule | None, incident: Incident | None, plan: Any, reason: str = ""
) -> Iterator[approvals.Approval | None]:
    """Around an apply of `plan` (a console.recovery Plan): the rule first; the approval
    given back if the apply is refused (a DatabaseError: nothing was written)."""
    if rule is None:
        yield None
        return
    write = approvals.PreviewedWrite(
        action_id=plan.action_id,
        params=dict(plan.params),
        row_count=plan.count,
        sample=list(plan.sample),
        plan_id=str(plan.plan_id),
        reason=reason,
    )
    approval = rule.before_apply(incident, write)
    try:
        yield approval
    except DatabaseError:
        rule.after_refusal(approval)
        raise
