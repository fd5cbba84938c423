"""The recovery actions the console knows: their queries, keys, parameters and why.

Each ActionSpec names a preview/apply pair in `sql/recovery/` and says, in its
description, how and why it differs from the guide's own SQL. `console.recovery.actions` runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from console.core.db import DatabaseError
from console.core.state import InputError, check_text

Kind = Literal["rows", "backend", "index", "stripe"]


# --- errors ----------------------------------------------------------------------------


class ActionError(DatabaseError):
    """An action refused before anything was written; one line, and what to do next."""

    kind = "refused"


class UnknownAction(ActionError):
    pass


class InvalidParams(ActionError):
    pass


class TokenMismatch(ActionError):
    pass


class PlanExpired(ActionError):
    pass


class ActionRefused(ActionError):
    pass


@dataclass(frozen=True)
class Holder:
    """A session that holds something we need (an action lock, a row lock)."""

    pid: int
    user: str
    application_name: str
    client_addr: str
    state: str

    def describe(self) -> str:
        app = self.application_name or "no application_name"
        where = f" from {self.client_addr}" if self.client_addr else ""
        state = f", {self.state}" if self.state else ""
        return f"pid {self.pid} ({app}, user {self.user}{where}{state})"


class ActionLocked(ActionError):
    """Another operator is running this action right now."""

    def __init__(self, action_id: str, holders: Sequence[Holder]) -> None:
        self.holders = tuple(holders)
        who = ", ".join(h.describe() for h in self.holders) or "a session that just ended"
        super().__init__(
            f"{action_id} is already being run by {who}",
            "wait for it to finish, or agree with that operator who goes first",
        )


# --- parameters --------------------------------------------------------------------------


def _int_param(low: int, high: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError("expected a whole number")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {str(raw)[:40]!r}") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _plain_param(raw: Any) -> Any:
    """A parameter without a declared type: text or a number, nothing else."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError("expected text or a number")
    return raw.strip() if isinstance(raw, str) else raw


def _text_param(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("expected text")
    return raw.strip()


MAX_RETRIES = _int_param(1, 1_000)
PID = _int_param(1, 2**31 - 1)


# --- the registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """One recovery action: its queries, its key, its parameters and why it is safe."""

    id: str
    title: str
    description: str
    preview: str
    apply: str
    verify: str
    key: str = "id"
    batch_size: int = 500
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    param_types: Mapping[str, Callable[[Any], Any]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    kind: Kind = "rows"
    # The table (and its key column) whose rows the write locks: used to name the blocker
    # when lock_timeout fires.
    lock_table: str = ""
    lock_key: str = "id"
    # Preview columns passed to the write as arrays beside %(ids)s (same order).
    carry: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    statement_timeout_ms: int | None = None


def spec_json(spec: ActionSpec) -> dict[str, Any]:
    """What `runbooks --json` and the UI show about an action."""
    return {
        "id": spec.id,
        "title": spec.title,
        "description": spec.description,
        "kind": spec.kind,
        "preview": spec.preview,
        "apply": spec.apply,
        "verify": spec.verify,
        "key": spec.key,
        "batch_size": spec.batch_size,
        "params": dict(spec.params),
        "findings": list(spec.findings),
    }


def _spec(**kwargs: Any) -> ActionSpec:
    kwargs["params"] = MappingProxyType(dict(kwargs.get("params", {})))
    kwargs["param_types"] = MappingProxyType(dict(kwargs.get("param_types", {})))
    return ActionSpec(**kwargs)


_BACKEND_TYPES = {"pid": PID}

ACTIONS: dict[str, ActionSpec] = {
    spec.id: spec
    for spec in (
        _spec(
            id="reset_failed_events",
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
            preview="recovery/reset_failed_events_preview",
            apply="recovery/reset_failed_events",
            verify="recovery/reset_failed_events_preview",
            params={"max_retries": 3, "window": "24 hours"},
            param_types={"max_retries": MAX_RETRIES, "window": _text_param},
            lock_table="webhook_events",
            findings=("high_error_rate", "processing_down", "payments_not_processing"),
        ),
        _spec(
            id="delete_duplicate_events",
            title="Delete duplicate unprocessed events",
            description=(
                "Deletes unprocessed copies of an event_id stored more than once, keeping the "
                "processed copy when there is one, else the newest unprocessed copy. "
                "Corrected from the guide: it ranked unprocessed rows only, so beside a "
                "processed copy it kept an unprocessed twin, which then ran a second time. "
                "Only event_ids seen in the window are considered; each delete re-checks "
                "that a kept copy still exists."
            ),
            preview="recovery/delete_duplicate_events_preview",
            apply="recovery/delete_duplicate_events",
            verify="recovery/delete_duplicate_events_preview",
            lock_table="webhook_events",
            findings=("idempotency_conflicts",),
        ),
        _spec(
            id="reset_stuck_orders",
            title="Reset stuck pending orders",
            description=(
                "Moves orders stuck in 'pending' without a payment intent to "
                "'pending_payment' (allowed by the guide's state machine). Corrected from "
                "the guide: it judged by created_at alone, so an old order updated a minute "
                "ago (being worked on right now) was reset too; both created_at and "
                "updated_at must be older than the age."
            ),
            preview="recovery/reset_stuck_orders_preview",
            apply="recovery/reset_stuck_orders",
            verify="recovery/reset_stuck_orders_preview",
            params={"age": "1 hour"},
            param_types={"age": _text_param},
            lock_table="orders",
            findings=("stuck_orders",),
        ),
        _spec(
            id="fix_paid_without_payment",
            title="Revert paid orders that have no payment",
            description=(
                "Puts orders marked paid, with no paid_at and no payment record at all, back "
                "to 'pending_payment'. Corrected from the guide: its NOT IN matched nothing "
                "as soon as one payment had a NULL order_id (NOT EXISTS here), and it also "
                "reverted orders whose money did arrive (paid_at set: insert the missing "
                "payment instead) or that have a payment in another status (investigate "
                "those by hand)."
            ),
            preview="recovery/fix_paid_without_payment_preview",
            apply="recovery/fix_paid_without_payment",
            verify="recovery/fix_paid_without_payment_preview",
            params={"window": "24 hours"},
            param_types={"window": _text_param},
            lock_table="orders",
            findings=("inconsistent_orders",),
        ),
        _spec(
            id="insert_missing_payments",
            title="Insert missing payment records",
            description=(
                "Adds the completed payment record of paid orders (paid_at set) that have "
                "none. Corrected from the guide: it hard-coded the currency 'aud' (here the "
                "order's own currency when the table has one, else the currency parameter) "
                "and dropped the payment intent id, so the record could not "
                "be matched with Stripe; each insert re-checks that the order still has no "
                "payment."
            ),
            preview="recovery/insert_missing_payments_preview",
            apply="recovery/insert_missing_payments",
            verify="recovery/insert_missing_payments_preview",
            key="order_id",
            params={"currency": "aud", "window": "24 hours"},
            param_types={"currency": _text_param, "window": _text_param},
            lock_table="orders",
            findings=("inconsistent_orders",),
        ),
        _spec(
            id="cancel_backend",
            title="Cancel a backend's query",
            description=(
                "Cancels the current query of one session (pg_cancel_backend); the session "
                "stays connected. Refuses the console's own session, and signals only if the "
                "pid still belongs to the previewed session (same backend_start)."
            ),
            preview="recovery/cancel_backend_preview",
            apply="recovery/cancel_backend",
            verify="recovery/cancel_backend_preview",
            key="pid",
            batch_size=1,
            param_types=_BACKEND_TYPES,
            kind="backend",
            carry=("backend_start",),
            findings=("db_connection_failure", "performance_degradation"),
        ),
        _spec(
            id="terminate_backend",
            title="Terminate a backend",
            description=(
                "Ends one session (pg_terminate_backend): its transaction rolls back and its "
                "locks are released. Refuses the console's own session, and signals only if "
                "the pid still belongs to the previewed session (same backend_start)."
            ),
            preview="recovery/terminate_backend_preview",
            apply="recovery/terminate_backend",
            verify="recovery/terminate_backend_preview",
            key="pid",
            batch_size=1,
            param_types=_BACKEND_TYPES,
            kind="backend",
            carry=("backend_start",),
            findings=("db_connection_failure", "performance_degradation"),
        ),
        _spec(
            id="create_event_id_unique_index",
            title="Create the missing unique index on event_id",
            description=(
                "Builds a unique index on webhook_events(event_id) CONCURRENTLY (writers are "
                "not blocked; it cannot run inside a transaction), so a duplicate delivery "
                "fails at INSERT instead of being processed twice. The guide has no such "
                "constraint. The preview lists the duplicated event_ids that would make the "
                "build fail; resolve them first. A failed earlier build leaves an invalid "
                "index, which is dropped before building again."
            ),
            preview="recovery/create_event_id_unique_index_preview",
            apply="recovery/create_event_id_unique_index",
            verify="diagnostics/event_id_unique_index",
            key="blocker",
            kind="index",
            lock_table="webhook_events",
            findings=("idempotency_conflicts",),
            statement_timeout_ms=30 * 60 * 1000,
        ),
        _spec(
            id="redeliver_stripe_events",
            title="Redeliver Stripe events the database lacks",
            description=(
                "Fetches each event of the window that Stripe holds and webhook_events lacks "
                "(missing, or failed and not processed) from Stripe's Events API and POSTs it "
                "to WEBHOOK_URL, signed with STRIPE_WEBHOOK_SECRET as Stripe signs, oldest "
                "first, at most half the receiver's rate limit; it stops at the first "
                "systematic failure. The guide's data recovery starts from the failed rows; "
                "an event that never arrived has no row, so only Stripe's side finds it. "
                "No SQL write: the endpoint's own handler records and processes each event, "
                "and its duplicate check makes a second run change nothing."
            ),
            preview="stripe/events_by_event_id",
            apply="",
            verify="stripe/events_by_event_id",
            key="id",
            kind="stripe",
            params={"since": "2h"},
            param_types={"since": _text_param},
            findings=("undelivered_events",),
        ),
    )
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


def declared_params(spec: ActionSpec) -> tuple[str, ...]:
    """The operator-facing parameters: what the preview and the write use, minus the keys
    and carried columns the executor supplies itself."""
    from console import queries

    supplied = {"ids", *spec.carry}
    names: dict[str, None] = {}
    for query in (spec.preview, spec.apply):
        for name in queries.get(query).params:
            if name not in supplied:
                names.setdefault(name, None)
    return tuple(names)


def resolve_params(spec: ActionSpec, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults (the queries' `-- defaults:`, then the spec's) overlaid with the operator's
    values, each parsed; unknown names refused. Parameters come from the SQL files, so a
    query that gains a parameter (with a default) needs no change here."""
    from console import queries
    from console.queries.params import ParamsError
    from console.queries.params import resolve_params as resolve

    try:
        resolved = resolve(
            [queries.get(spec.preview), queries.get(spec.apply)],
            params,
            defaults=spec.params,
            supplied=("ids", *spec.carry),
            label=spec.id,
        )
    except ParamsError as exc:
        raise InvalidParams(exc.message, exc.hint) from None
    out: dict[str, Any] = {}
    for name, value in resolved.items():
        parse = spec.param_types.get(name, _plain_param)
        try:
            if isinstance(value, str):
                check_text(value, name, max_length=200)
            out[name] = parse(value)
        except (ValueError, InputError) as exc:
            raise InvalidParams(f"{spec.id}: parameter {name}: {exc}") from None
    return out
