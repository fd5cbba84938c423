"""Training scenarios: the page the trainee gets, the fault behind it, what "fixed" means.

A scenario is data (this table), validated when loaded (`validate_scenarios`): every fault,
parameter, finding id, runbook, runbook step, action id, service command and check kind
must exist, so a typo fails in CI and not in front of a trainee.

Objectives come in two parts. *Diagnose*: the trainee looked at the right finding(s) while
they were lit and opened the runbook the console offers for each. *Resolve*: every
`checks` entry holds on one poll — DB checks on the data (no duplicate unprocessed
event_ids, no paid order without a completed payment, backlog drained) and on the last
few seconds of traffic. The detectors' own windows are 5-60 minutes, far longer than a
training run, so a window-based finding is judged "clear" on a short recent window
(`recent_clean`, `recent_fast`) instead of waiting for its window to roll over.

`ideal_path` is what an experienced engineer would do, step by step; the autopilot plays
it with the console's own actions and the training service commands, and the debrief
shows it beside what the trainee did.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

PathKind = str  # "view_finding", "open_runbook", "run_step", "command", "action"
PATH_KINDS = ("view_finding", "open_runbook", "run_step", "command", "action")

CHECK_KINDS = {
    "no_duplicate_unprocessed": "no event_id stored twice with an unprocessed copy",
    "no_new_duplicates": "no event_id stored twice among the last few seconds' events",
    "no_paid_without_payment": "every paid order has a completed payment",
    "backlog_drained": "no event waiting unprocessed (without error) for more than a few s",
    "recent_clean": "the last few seconds' events were processed, none with an error",
    "recent_fast": "the last few seconds' events were processed quickly",
    "no_stuck_pending": "no order stuck in 'pending' without a payment intent",
    "no_failed_notifications_recent": "the last few seconds' notifications were sent",
    "finding_clear": "the finding no longer fires",
    "fault_off": "the cause has been stopped",
}

HARMFUL_KINDS = {
    "deleted_processed_events": "processed events were deleted: the record of money moved is gone",
    "terminated_healthy_receiver": "a healthy webhook-receiver session was terminated",
    "reset_orders_with_intent": "orders that have a payment intent were moved back",
    "fault_off_data_left": "the cause was stopped but the damaged data was left as it was",
}


@dataclass(frozen=True)
class Briefing:
    """The page an on-call engineer gets: what fired, when, what it looks like."""

    alert: str
    severity: str
    at: str  # local time on the page, e.g. "03:12"
    symptoms: tuple[str, ...]
    customer_impact: str

    def to_json(self) -> dict[str, Any]:
        return {
            "alert": self.alert,
            "severity": self.severity,
            "at": self.at,
            "symptoms": list(self.symptoms),
            "customer_impact": self.customer_impact,
        }


@dataclass(frozen=True)
class Check:
    """One resolve condition; `params` are the check's knobs (see checks.py)."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def describe(self) -> str:
        base = CHECK_KINDS[self.kind]
        if self.params:
            base += " (" + ", ".join(f"{k}={v}" for k, v in self.params.items()) + ")"
        return base

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params), "text": self.describe()}


@dataclass(frozen=True)
class PathStep:
    """One move of the ideal path: view a finding, open a runbook, run a step, ..."""

    kind: PathKind
    target: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    note: str = ""

    def describe(self) -> str:
        extra = f" {dict(self.params)}" if self.params else ""
        return f"{self.kind} {self.target}{extra}"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "target": self.target,
            "params": dict(self.params),
            "note": self.note,
        }


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    briefing: Briefing
    faults: tuple[tuple[str, Mapping[str, Any]], ...]
    diagnose_findings: tuple[str, ...]
    checks: tuple[Check, ...]
    ideal_path: tuple[PathStep, ...]
    hints: tuple[str, ...]
    harmful: tuple[str, ...]
    par_diagnose_seconds: float = 180.0
    par_resolve_seconds: float = 600.0
    hint_cost: int = 10
    rate: float = 4.0

    @property
    def fault_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.faults)

    def to_json(self) -> dict[str, Any]:
        """What a briefing/debrief screen needs, JSON-safe."""
        return {
            "id": self.id,
            "title": self.title,
            "briefing": self.briefing.to_json(),
            "faults": [{"name": n, "params": dict(p)} for n, p in self.faults],
            "objectives": {
                "diagnose": {"findings": list(self.diagnose_findings)},
                "resolve": [c.to_json() for c in self.checks],
            },
            "par": {
                "diagnose_seconds": self.par_diagnose_seconds,
                "resolve_seconds": self.par_resolve_seconds,
            },
            "hints": len(self.hints),
            "hint_cost": self.hint_cost,
            "harmful": [{"kind": k, "text": HARMFUL_KINDS[k]} for k in self.harmful],
            "ideal_path": [s.to_json() for s in self.ideal_path],
        }


class ScenarioError(ValueError):
    """An unknown scenario or a scenario table that does not validate; one line."""


def _m(**kwargs: Any) -> Mapping[str, Any]:
    return MappingProxyType(kwargs)


def _check(kind: str, **params: Any) -> Check:
    return Check(kind, _m(**params))


def _step(kind: str, target: str, note: str = "", **params: Any) -> PathStep:
    return PathStep(kind, target, _m(**params), note)


def _diagnose(finding: str, runbook: str, step: str) -> tuple[PathStep, ...]:
    return (
        _step("view_finding", finding, "read what fired and since when"),
        _step("open_runbook", runbook, "the runbook the console offers for it"),
        _step("run_step", runbook, "confirm with the runbook's first query", step=step),
    )


RECENT = 3.0  # seconds of clean traffic that count as "the symptom is gone"
COMMON_HARM = ("deleted_processed_events", "terminated_healthy_receiver")

SCENARIOS_LIST: tuple[Scenario, ...] = (
    Scenario(
        id="wrong_secret",
        title="Every webhook rejected: Invalid signature",
        briefing=Briefing(
            alert="[P1] Stripe webhook signature failures > 10 in 5 min (orders-api)",
            severity="P1",
            at="03:12",
            symptoms=(
                "Stripe dashboard: endpoint returning 400 on every delivery",
                "webhook.log full of 'Invalid signature'",
                "a config deploy went out 20 minutes ago",
            ),
            customer_impact="Customers pay but their orders stay 'awaiting payment'.",
        ),
        faults=(("wrong_secret", _m()),),
        diagnose_findings=("signature_failures",),
        checks=(_check("recent_clean", seconds=RECENT), _check("fault_off", fault="wrong_secret")),
        ideal_path=(
            *_diagnose("signature_failures", "signature_failures", "count"),
            _step("command", "webhook_status", "is the service up? which secret is loaded?"),
            _step("command", "webhook_restart", "restart with the secret from the dashboard"),
        ),
        hints=(
            "Compare the secret the service loaded with the endpoint's secret in Stripe.",
            "Restart the webhook service once the right secret is configured.",
        ),
        harmful=COMMON_HARM,
        par_diagnose_seconds=120,
        par_resolve_seconds=480,
    ),
    Scenario(
        id="clock_skew",
        title="Deliveries rejected as too old",
        briefing=Briefing(
            alert="[P2] Event age validation failures on orders-api",
            severity="P2",
            at="02:47",
            symptoms=(
                "webhook.log: 'Event too old' on fresh events",
                "the host was restored from a snapshot last night",
            ),
            customer_impact="Payments are confirmed minutes late or not at all.",
        ),
        faults=(("clock_skew", _m()),),
        diagnose_findings=("event_age_failures",),
        checks=(_check("recent_clean", seconds=RECENT), _check("fault_off", fault="clock_skew")),
        ideal_path=(
            *_diagnose("event_age_failures", "event_age_failures", "rejections"),
            _step("command", "time_status", "is the clock synchronised?"),
            _step("command", "chrony_enable", "turn time synchronisation back on"),
        ),
        hints=(
            "'Event too old' on brand-new events means the two clocks disagree.",
            "Check time synchronisation on the host (time_status), then enable it.",
        ),
        harmful=COMMON_HARM,
        par_diagnose_seconds=180,
        par_resolve_seconds=480,
    ),
    Scenario(
        id="duplicate_deliveries",
        title="Events processed twice",
        briefing=Briefing(
            alert="[P1] Idempotency conflicts: event_ids received more than once",
            severity="P1",
            at="11:05",
            symptoms=(
                "support: two confirmation e-mails for one order",
                "Stripe retried a burst of deliveries after a network blip",
            ),
            customer_impact="Some customers get double e-mails; refunds may run twice.",
        ),
        faults=(("duplicate_deliveries", _m(ratio=0.5)),),
        diagnose_findings=("idempotency_conflicts",),
        checks=(
            _check("no_duplicate_unprocessed"),
            _check("no_new_duplicates", seconds=RECENT),
            _check("fault_off", fault="duplicate_deliveries"),
        ),
        ideal_path=(
            *_diagnose("idempotency_conflicts", "idempotency_conflicts", "duplicates"),
            _step("command", "webhook_restart", "deploy the atomic duplicate check"),
            _step("action", "delete_duplicate_events", "remove unprocessed copies only"),
        ),
        hints=(
            "The duplicate check and the insert are not atomic: two copies race past it.",
            "Fix the service first, then delete only the unprocessed copies.",
        ),
        harmful=(*COMMON_HARM, "fault_off_data_left"),
        par_diagnose_seconds=180,
        par_resolve_seconds=600,
    ),
    Scenario(
        id="connection_hog",
        title="Database connections exhausted",
        briefing=Briefing(
            alert="[P0] orders-db: connections > 90 % of max_connections",
            severity="P0",
            at="09:31",
            symptoms=(
                "webhook endpoint answering 503 'pool exhausted'",
                "pg_stat_activity full of 'idle in transaction' sessions",
            ),
            customer_impact="Checkout and payment confirmation fail intermittently.",
        ),
        faults=(("connection_hog", _m()),),
        diagnose_findings=("db_connection_failure",),
        checks=(
            _check("finding_clear", finding="db_connection_failure"),
            _check("fault_off", fault="connection_hog"),
        ),
        ideal_path=(
            *_diagnose("db_connection_failure", "db_connection_failure", "idle_tx"),
            _step("command", "webhook_restart", "the leak is in the service: restart it"),
        ),
        hints=(
            "Look at the sessions by state: who is idle in transaction, and for how long?",
            "Restarting the leaking service releases its sessions; do not kill active ones.",
        ),
        harmful=COMMON_HARM,
        par_diagnose_seconds=120,
        par_resolve_seconds=420,
    ),
    Scenario(
        id="retry_storm",
        title="Rate limiter rejecting deliveries",
        briefing=Briefing(
            alert="[P2] Rate limiting triggered on /api/webhooks/stripe",
            severity="P2",
            at="14:20",
            symptoms=(
                "webhook.log: 'Rate limit exceeded'",
                "delivery volume several times the usual",
            ),
            customer_impact="New payments are confirmed late while the storm lasts.",
        ),
        faults=(("retry_storm", _m(burst=400)),),
        diagnose_findings=("rate_limiting",),
        checks=(_check("fault_off", fault="retry_storm"), _check("recent_clean", seconds=RECENT)),
        ideal_path=(
            *_diagnose("rate_limiting", "rate_limiting", "rejections"),
            _step("command", "webhook_restart", "restart with backoff and the raised limit"),
        ),
        hints=(
            "Compare the delivery volume with the limit: is this real traffic or redeliveries?",
            "Restart the service with the configured limit; Stripe backs off.",
        ),
        harmful=COMMON_HARM,
    ),
    Scenario(
        id="stuck_orders",
        title="Orders stuck in pending",
        briefing=Briefing(
            alert="[P1] Orders stuck in pending / pending_payment for over 1 h",
            severity="P1",
            at="07:55",
            symptoms=(
                "support: customers see 'processing' for hours",
                "the storefront deploy of last night touched the checkout flow",
            ),
            customer_impact="Abandoned checkouts block stock; customers cannot retry.",
        ),
        faults=(("stuck_orders", _m(per_second=2.0)),),
        diagnose_findings=("stuck_orders",),
        checks=(_check("fault_off", fault="stuck_orders"), _check("no_stuck_pending")),
        ideal_path=(
            *_diagnose("stuck_orders", "issue_state_transitions", "stuck"),
            _step("command", "webhook_restart", "roll back the storefront change"),
            _step("action", "reset_stuck_orders", "move pending orders without intent on"),
        ),
        hints=(
            "Which state are they stuck in, and do they have a payment intent?",
            "Only orders without a payment intent may be reset; the others need Stripe.",
        ),
        harmful=(*COMMON_HARM, "reset_orders_with_intent", "fault_off_data_left"),
    ),
    Scenario(
        id="paid_without_payment",
        title="Orders paid without a payment record",
        briefing=Briefing(
            alert="[P1] Inconsistent orders: paid without a completed payment",
            severity="P1",
            at="16:40",
            symptoms=(
                "finance: the day's payments total is below the orders total",
                "a payments-table migration ran this afternoon",
            ),
            customer_impact="Customers are fine; the books are not, and refunds will fail.",
        ),
        faults=(("paid_without_payment", _m(ratio=0.5)),),
        diagnose_findings=("inconsistent_orders",),
        checks=(
            _check("fault_off", fault="paid_without_payment"),
            _check("no_paid_without_payment"),
            _check("finding_clear", finding="inconsistent_orders"),
        ),
        ideal_path=(
            *_diagnose("inconsistent_orders", "advanced_data_consistency", "inconsistent"),
            _step("command", "webhook_restart", "deploy the fix that writes the payment"),
            _step("action", "insert_missing_payments", "money arrived: add the record"),
        ),
        hints=(
            "paid_at is set on these orders: the money did arrive.",
            "Stop the cause first, then insert the missing payments (do not revert).",
        ),
        harmful=(*COMMON_HARM, "fault_off_data_left"),
    ),
    Scenario(
        id="processor_down",
        title="Webhooks accepted, nothing processed",
        briefing=Briefing(
            alert="[P0] Webhook processing completely down (orders-api)",
            severity="P0",
            at="04:02",
            symptoms=(
                "Stripe shows 200s, yet no order moved to paid for minutes",
                "the worker pod was OOM-killed an hour ago",
            ),
            customer_impact="Every payment since the crash is unconfirmed.",
        ),
        faults=(("processor_down", _m()),),
        diagnose_findings=("processing_down",),
        checks=(
            _check("fault_off", fault="processor_down"),
            _check("backlog_drained", seconds=3.0),
            _check("recent_clean", seconds=RECENT),
        ),
        ideal_path=(
            *_diagnose("processing_down", "processing_down", "throughput"),
            _step("command", "webhook_status", "the worker is not running"),
            _step("command", "webhook_restart", "restart it; it drains the backlog"),
        ),
        hints=(
            "Events arrive and are stored: the break is after the insert.",
            "Restart the webhook worker; it processes what is pending.",
        ),
        harmful=(*COMMON_HARM, "fault_off_data_left"),
        par_diagnose_seconds=120,
        par_resolve_seconds=420,
    ),
    Scenario(
        id="slow_processing",
        title="Payments confirmed slowly",
        briefing=Briefing(
            alert="[P1] Webhook processing delay: average over 10 s",
            severity="P1",
            at="12:15",
            symptoms=(
                "orders reach 'paid' 10-15 s after Stripe's event",
                "a new fraud-scoring call was added to the handler today",
            ),
            customer_impact="Confirmation pages spin; some customers pay twice.",
        ),
        faults=(("slow_processing", _m(seconds=12.0, backdate=True)),),
        diagnose_findings=("processing_delay",),
        checks=(
            _check("fault_off", fault="slow_processing"),
            _check("recent_fast", seconds=RECENT, max_avg_seconds=2.0),
        ),
        ideal_path=(
            *_diagnose("processing_delay", "processing_delay", "avg"),
            _step("command", "webhook_restart", "roll back the slow handler"),
        ),
        hints=(
            "Is the database slow, or the handler? Compare query times with processing times.",
            "Roll back the handler change (restart on the previous build).",
        ),
        harmful=COMMON_HARM,
    ),
    Scenario(
        id="notification_failures",
        title="Confirmation e-mails failing",
        briefing=Briefing(
            alert="[P2] Notification delivery issues: > 10 % failed in the last hour",
            severity="P2",
            at="10:10",
            symptoms=(
                "customers ask where their receipt is",
                "the mail provider's status page shows degraded SMTP",
            ),
            customer_impact="Orders go through; customers get no confirmation.",
        ),
        faults=(("notification_failures", _m(ratio=0.6)),),
        diagnose_findings=("notification_failures",),
        checks=(
            _check("fault_off", fault="notification_failures"),
            _check("no_failed_notifications_recent", seconds=RECENT),
        ),
        ideal_path=(
            *_diagnose("notification_failures", "notification_failures", "rate"),
            _step("command", "webhook_restart", "switch to the fallback mail relay"),
        ),
        hints=(
            "Group the failures by last_error: one provider message dominates.",
            "Restart the service on the fallback relay.",
        ),
        harmful=COMMON_HARM,
    ),
)

SCENARIOS: dict[str, Scenario] = {s.id: s for s in SCENARIOS_LIST}

# Combined scenarios: several faults at once, listed by their parts.
COMBINED: dict[str, tuple[str, ...]] = {
    "processor_down+stuck_orders": ("processor_down", "stuck_orders"),
    "duplicate_deliveries+paid_without_payment": ("duplicate_deliveries", "paid_without_payment"),
}


def _unique_checks(checks: Iterable[Check]) -> tuple[Check, ...]:
    out: list[Check] = []
    for check in checks:
        if check not in out:
            out.append(check)
    return tuple(out)


def combine(parts: list[Scenario]) -> Scenario:
    """Several scenarios at once: faults, objectives, hints and paths merged, par summed."""
    if len(parts) == 1:
        return parts[0]
    diagnose_steps: list[PathStep] = []
    fix_steps: list[PathStep] = []
    for part in parts:
        for step in part.ideal_path:
            target = diagnose_steps if step.kind != "command" and step.kind != "action" else None
            bucket = target if target is not None else fix_steps
            if step not in bucket:
                bucket.append(step)
    # Restart (fault off) before data fixes, as each single path does.
    fix_steps.sort(key=lambda s: 0 if s.kind == "command" else 1)
    return Scenario(
        id="+".join(p.id for p in parts),
        title=" + ".join(p.title for p in parts),
        briefing=Briefing(
            alert=" / ".join(p.briefing.alert for p in parts),
            severity=min(p.briefing.severity for p in parts),
            at=parts[0].briefing.at,
            symptoms=tuple(s for p in parts for s in p.briefing.symptoms),
            customer_impact=" ".join(p.briefing.customer_impact for p in parts),
        ),
        faults=tuple(f for p in parts for f in p.faults),
        diagnose_findings=tuple(dict.fromkeys(f for p in parts for f in p.diagnose_findings)),
        checks=_unique_checks(c for p in parts for c in p.checks),
        ideal_path=(*diagnose_steps, *fix_steps),
        hints=tuple(h for p in parts for h in p.hints),
        harmful=tuple(dict.fromkeys(h for p in parts for h in p.harmful)),
        par_diagnose_seconds=sum(p.par_diagnose_seconds for p in parts),
        par_resolve_seconds=sum(p.par_resolve_seconds for p in parts),
        hint_cost=max(p.hint_cost for p in parts),
        rate=max(p.rate for p in parts),
    )


def all_scenario_ids() -> list[str]:
    return [*SCENARIOS, *COMBINED]


def get_scenario(name: str, *, seed: int | None = None) -> Scenario:
    """A scenario by id; `a+b` combines; `random` picks one (seeded)."""
    name = name.strip()
    if name == "random":
        name = random.Random(seed).choice(all_scenario_ids())
    parts_ids = COMBINED.get(name) or tuple(p.strip() for p in name.split("+") if p.strip())
    unknown = [p for p in parts_ids if p not in SCENARIOS]
    if not parts_ids or unknown:
        raise ScenarioError(
            f"unknown scenario {name!r}; choose from: {', '.join(all_scenario_ids())}, "
            "random, or a+b"
        )
    if len(set(parts_ids)) != len(parts_ids):
        raise ScenarioError(f"scenario {name!r} names a part twice")
    return combine([SCENARIOS[p] for p in parts_ids])


def validate_scenarios(scenarios: list[Scenario] | None = None) -> list[str]:
    """Every problem in the table, one line each (empty: valid)."""
    from console.recovery.specs import ACTIONS
    from console.runbooks.loader import load_runbooks
    from console.sim.faults import FAULTS
    from console.training.services import SERVICE_COMMANDS
    from console.triage import GUIDE_ITEMS

    runbooks = load_runbooks()
    problems: list[str] = []
    for s in scenarios or [get_scenario(i) for i in all_scenario_ids()]:
        where = f"scenario {s.id}"
        for name, params in s.faults:
            spec = FAULTS.get(name)
            if spec is None:
                problems.append(f"{where}: unknown fault {name}")
            elif set(params) - set(spec.defaults):
                problems.append(f"{where}: fault {name} has no parameter {sorted(params)}")
        for finding in s.diagnose_findings:
            if finding not in GUIDE_ITEMS:
                problems.append(f"{where}: unknown finding {finding}")
        for check in s.checks:
            if check.kind not in CHECK_KINDS:
                problems.append(f"{where}: unknown check {check.kind}")
        for harm in s.harmful:
            if harm not in HARMFUL_KINDS:
                problems.append(f"{where}: unknown harmful kind {harm}")
        for step in s.ideal_path:
            if step.kind not in PATH_KINDS:
                problems.append(f"{where}: unknown path step {step.kind}")
            elif step.kind == "view_finding" and step.target not in GUIDE_ITEMS:
                problems.append(f"{where}: unknown finding {step.target}")
            elif step.kind in ("open_runbook", "run_step") and step.target not in runbooks:
                problems.append(f"{where}: unknown runbook {step.target}")
            elif step.kind == "run_step":
                ids = [x.id for x in runbooks[step.target].steps]
                if step.params.get("step") not in ids:
                    problems.append(f"{where}: runbook {step.target} has no step {step.params}")
            elif step.kind == "command" and step.target not in SERVICE_COMMANDS:
                problems.append(f"{where}: unknown service command {step.target}")
            elif step.kind == "action" and step.target not in ACTIONS:
                problems.append(f"{where}: unknown action {step.target}")
        if not s.hints:
            problems.append(f"{where}: no hints")
    return problems


def with_faults(scenario: Scenario, **params: Mapping[str, Any]) -> Scenario:
    """A copy with some faults' parameters replaced (tests, instructors)."""
    faults = tuple((n, MappingProxyType({**p, **params.get(n, {})})) for n, p in scenario.faults)
    return replace(scenario, faults=faults)
