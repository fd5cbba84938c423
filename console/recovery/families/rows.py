"""Row repairs: guarded batches of UPDATE/DELETE/INSERT over previewed keys.

Each description says how and why the action differs from the guide's own SQL.
"""

from __future__ import annotations

from console.recovery.model import ActionSpec, make_spec
from console.recovery.params import MAX_RETRIES, text_param


def _row_spec(action_id: str, table: str, **kwargs: object) -> ActionSpec:
    """A row action on `table` (whose row locks it may wait for) whose queries are
    `recovery/<id>_preview` and `recovery/<id>`; its defaults are their `-- defaults:`."""
    return make_spec(
        id=action_id,
        preview=f"recovery/{action_id}_preview",
        apply=f"recovery/{action_id}",
        verify=f"recovery/{action_id}_preview",
        lock_table=table,
        **kwargs,
    )


SPECS: tuple[ActionSpec, ...] = (
    _row_spec(
        "reset_failed_events",
        "webhook_events",
        title="Reset failed events for retry",
        description=(
            "Clears the error and counts one more retry on failed events below the retry "
            "limit, so the processor picks them up again. Corrected from the guide: it "
            "matched rows by event_id, which also reset the processed copy of a "
            "duplicated event (processed_at = NULL runs a finished payment again); here "
            "each row is matched by id, rows whose event already has a processed copy "
            "are left alone, only the newest failed copy of an event is retried, and only "
            "the window's events are touched."
        ),
        param_types={"max_retries": MAX_RETRIES, "window": text_param},
        findings=("high_error_rate", "processing_down", "payments_not_processing"),
    ),
    _row_spec(
        "delete_duplicate_events",
        "webhook_events",
        title="Delete duplicate unprocessed events",
        description=(
            "Deletes unprocessed copies of an event_id stored more than once, keeping the "
            "processed copy when there is one, else the newest unprocessed copy. "
            "Corrected from the guide: it ranked unprocessed rows only, so beside a "
            "processed copy it kept an unprocessed twin, which then ran a second time. "
            "Only event_ids seen in the window are considered; each delete re-checks "
            "that a kept copy still exists."
        ),
        findings=("idempotency_conflicts",),
    ),
    _row_spec(
        "reset_stuck_orders",
        "orders",
        title="Reset stuck pending orders",
        description=(
            "Moves orders stuck in 'pending' without a payment intent to "
            "'pending_payment' (allowed by the guide's state machine). Corrected from "
            "the guide: it judged by created_at alone, so an old order updated a minute "
            "ago (being worked on right now) was reset too; both created_at and "
            "updated_at must be older than the age."
        ),
        param_types={"age": text_param},
        findings=("stuck_orders",),
    ),
    _row_spec(
        "fix_paid_without_payment",
        "orders",
        title="Revert paid orders that have no payment",
        description=(
            "Puts orders marked paid, with no paid_at and no payment record at all, back "
            "to 'pending_payment'. Corrected from the guide: its NOT IN matched nothing "
            "as soon as one payment had a NULL order_id (NOT EXISTS here), and it also "
            "reverted orders whose money did arrive (paid_at set: insert the missing "
            "payment instead) or that have a payment in another status (investigate "
            "those by hand)."
        ),
        param_types={"window": text_param},
        findings=("inconsistent_orders",),
    ),
    _row_spec(
        "insert_missing_payments",
        "orders",
        title="Insert missing payment records",
        description=(
            "Adds the completed payment record of paid orders (paid_at set) that have "
            "none. Corrected from the guide: it hard-coded the currency 'aud' (here the "
            "order's own currency when the table has one, else the currency parameter) "
            "and dropped the payment intent id, so the record could not "
            "be matched with Stripe; each insert re-checks that the order still has no "
            "payment."
        ),
        key="order_id",
        param_types={"currency": text_param, "window": text_param},
        findings=("inconsistent_orders",),
    ),
)
