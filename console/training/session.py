"""A training session: the simulated system with a scenario's faults, watched and judged.

UI-free: a screen (or the autopilot, or a test) calls the trainee methods —
`view_finding`, `open_runbook`, `run_step`, `run_command`, `plan_action` /
`apply_action`, `take_hint` — and each is recorded with its time. A judge task polls the
Collector + triage and the scenario's DB checks every `poll_interval` seconds (polls
never overlap) and notes when the scenario was diagnosed and resolved, and any harm:
what the data and the applied actions' previews show (harm.py) and, at the end, a cause
switched off while the data it damaged was left as it was.

Training shortens the detector grace periods and the Stripe watch's cadence
(`TRAINING_THRESHOLDS`) so a fault shows in seconds instead of minutes; the rest of triage
is the production code.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import replace
from typing import Any

import psycopg
from psycopg.rows import dict_row

from console.core.config import Settings
from console.core.service import Service, cancel
from console.metrics.collector import Collector
from console.metrics.tuning import CollectorTuning
from console.recovery import actions, router
from console.recovery.audit import AuditLog
from console.runbooks.loader import load_runbooks
from console.runbooks.model import Runbook, runbook_for_finding
from console.sim.live import LiveSystem
from console.stripe.watch import StripeWatch
from console.training.checks import CheckResult, run_check
from console.training.harm import HarmWatch, harm_from_plan
from console.training.model import Scenario
from console.training.options import DrillOptions
from console.training.progress import Progress, TrainingError
from console.training.scoring import Debrief, Harm, Score, TraineeEvent, debrief, score
from console.training.services import STATE_CHANGING, CommandOutcome, TrainingServices
from console.training.tuning import DATA_CHECKS, TRAINING_THRESHOLDS
from console.triage import Finding, evaluate, resolve_thresholds

TRAINEE = "trainee"


class TrainingSession(Service):
    """One scenario run on `dsn` (a database with the guide's schema). An async context."""

    def __init__(self, scenario: Scenario, dsn: str, options: DrillOptions | None = None) -> None:
        options = options or DrillOptions()
        self.scenario = scenario
        self.dsn = dsn
        self.poll_interval = options.poll_interval
        self.time_limit = options.time_limit
        self.live = LiveSystem(dsn, options.settings, rate=scenario.rate, seed=options.seed)
        self.services = TrainingServices(self.live)
        self.events: list[TraineeEvent] = []
        self.harmful: list[Harm] = []
        self.runbooks = load_runbooks()
        self.state_dir = options.state_dir
        self._thresholds = resolve_thresholds(TRAINING_THRESHOLDS)
        self._started = 0.0
        self._collector: Collector | None = None
        self._check_conn: psycopg.AsyncConnection[Any] | None = None
        self._step_conn: psycopg.AsyncConnection[Any] | None = None
        self._write_conn: psycopg.Connection[Any] | None = None
        self._judge_task: asyncio.Task[None] | None = None
        self._findings: tuple[Finding, ...] = ()
        self._checks: tuple[CheckResult, ...] = ()
        self._lit_ever: set[str] = set()
        self._viewed_lit: set[str] = set()
        self._opened: set[str] = set()
        self._harm_watch = HarmWatch()
        self._hints_taken = 0
        self._faults_cleared: list[str] = []
        self.diagnosed_at: float | None = None
        self.resolved_at: float | None = None
        self._judged = asyncio.Event()
        self._judge_lock = asyncio.Lock()
        self._finished: tuple[Score, Debrief] | None = None
        self.last_error = ""

    # --- life cycle -----------------------------------------------------------------------

    @property
    def settings(self) -> Settings:
        base = self.live.settings
        return replace(base, thresholds={**base.thresholds, **TRAINING_THRESHOLDS})

    async def start(self) -> None:
        """Open our connections first (a connection hog leaves little room), then inject."""
        try:
            world = self.scenario.world
            if world is not None and world.days > 0:  # a drill from a recording: its history
                from console.sim.world import generate_world

                await asyncio.to_thread(
                    generate_world,
                    self.dsn,
                    days=world.days,
                    events=world.events,
                    mix=world.mix,
                    seed=world.seed,
                )
            self._check_conn = await psycopg.AsyncConnection.connect(
                self.dsn, autocommit=True, row_factory=dict_row, application_name="training-judge"
            )
            self._step_conn = await psycopg.AsyncConnection.connect(
                self.dsn, autocommit=True, application_name="incident-console:trainee"
            )
            self._write_conn = await asyncio.to_thread(
                psycopg.connect,
                self.dsn,
                autocommit=True,
                row_factory=dict_row,
                application_name="incident-console:trainee-write",
            )
            # Faults on before the first delivery (nothing healthy in the windows), except
            # the hog, which acts on the receiver's pool and so needs it running.
            later = [(n, p) for n, p in self.scenario.faults if n == "connection_hog"]
            for name, params in self.scenario.faults:
                if name != "connection_hog":
                    self.live.faults.enable(name, **dict(params))
            await self.live.start()
            watch = StripeWatch.from_settings(self.settings, self.dsn)
            addons = (watch,) if watch else ()
            # a drill is minutes long: the slow cadence every second
            tuning = CollectorTuning(slow_interval_seconds=1.0)
            self._collector = Collector(self.dsn, self.settings, tuning=tuning, addons=addons)
            await self._collector.poll()
            for name, params in later:
                self.live.faults.enable(name, **dict(params))
            self._started = time.monotonic()
            self._judge_task = asyncio.create_task(self._judge_loop())
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        await cancel(self._judge_task)
        self._judge_task = None
        await self.live.stop()
        if self._collector is not None:
            with contextlib.suppress(Exception):
                await self._collector.close()
        for conn in (self._check_conn, self._step_conn):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        if self._write_conn is not None:
            with contextlib.suppress(Exception):
                self._write_conn.close()

    def elapsed(self) -> float:
        return time.monotonic() - self._started if self._started else 0.0

    def _record(self, kind: str, target: str, **detail: Any) -> TraineeEvent:
        event = TraineeEvent(self.elapsed(), kind, target, detail)
        self.events.append(event)
        return event

    def _harm(self, kind: str, detail: str) -> None:
        self.harmful.append(Harm(kind, self.elapsed(), detail))

    # --- what a briefing / dashboard screen reads ----------------------------------------

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self._findings

    def progress(self) -> Progress:
        return Progress(
            self.elapsed(),
            self._findings,
            self._checks,
            self.diagnosed_at,
            self.resolved_at,
            tuple(self.harmful),
        )

    def expected_runbooks(self) -> dict[str, str]:
        """Finding id -> the runbook the console offers for it (what diagnose expects)."""
        return {
            f: runbook_for_finding(self.runbooks, f) or f for f in self.scenario.diagnose_findings
        }

    # --- trainee actions -----------------------------------------------------------------

    def view_finding(self, finding_id: str) -> Finding | None:
        lit = next((f for f in self._findings if f.id == finding_id), None)
        self._record("finding_viewed", finding_id, lit=lit is not None)
        if lit is not None:
            self._viewed_lit.add(finding_id)
        return lit

    def open_runbook(self, runbook_id: str) -> Runbook:
        runbook = self.runbooks.get(runbook_id)
        if runbook is None:
            raise TrainingError(f"no runbook named {runbook_id!r}")
        self._record("runbook_opened", runbook_id)
        self._opened.add(runbook_id)
        return runbook

    async def run_step(self, runbook_id: str, step_id: str) -> Any:
        """Run a runbook step; a `command` step acts on the simulation (confirmed)."""
        from console.queries import catalogue
        from console.runbooks.checks import step_checks
        from console.runbooks.model import CommandStep
        from console.runbooks.run import StepContext, run_step

        runbook = self.open_runbook(runbook_id) if runbook_id not in self._opened else None
        runbook = runbook or self.runbooks[runbook_id]
        try:
            step = runbook.step(step_id)
        except Exception:
            raise TrainingError(f"runbook {runbook_id} has no step {step_id!r}") from None
        if isinstance(step, CommandStep):
            outcome = await self.run_command(step.command)
            self._record(
                "step_run", runbook_id, step=step_id, status="ok" if outcome.ok else "fail"
            )
            return outcome
        context = StepContext(
            settings=self.settings,
            conn=self._step_conn,
            checks=step_checks(),
            catalogue=catalogue(),
        )
        result = await run_step(step, context)
        self._record("step_run", runbook_id, step=step_id, status=result.status)
        return result

    async def run_command(self, command: str) -> CommandOutcome:
        before = set(self.live.faults.active())
        outcome = await self.services.run(command)
        self._faults_cleared.extend(outcome.faults_off)
        self._record(
            "command_run",
            command,
            ok=outcome.ok,
            changes_state=command in STATE_CHANGING,
            faults_off=list(outcome.faults_off),
            faults_before=sorted(before),
        )
        return outcome

    async def plan_action(self, action_id: str, params: dict[str, Any] | None = None) -> Any:
        assert self._write_conn is not None, "start the session first"
        return await asyncio.to_thread(
            router.plan, self._write_conn, action_id, params, settings=self.settings
        )

    async def apply_action(self, plan: Any, token: str) -> Any:
        """Apply a previewed action with the typed token; judged for harm from its preview."""
        assert self._write_conn is not None, "start the session first"
        audit = AuditLog(state_dsn=None, local_dir=self.state_dir)
        try:
            result = await asyncio.to_thread(
                router.apply, self._write_conn, plan, token, audit=audit, operator=TRAINEE
            )
        except actions.ActionError as exc:
            self._record("action_refused", plan.action_id, reason=str(exc))
            raise
        finally:
            audit.close()
        self._record(
            "action_applied",
            plan.action_id,
            status=result.status,
            changed=result.changed,
            previewed=plan.count,
        )
        if result.changed:
            for kind, detail in harm_from_plan(plan):
                self._harm(kind, detail)
        return result

    def take_hint(self) -> str | None:
        """The next hint (each costs points), or None when all were taken."""
        if self._hints_taken >= len(self.scenario.hints):
            return None
        hint = self.scenario.hints[self._hints_taken]
        self._hints_taken += 1
        self._record("hint_taken", str(self._hints_taken), text=hint)
        return hint

    # --- judging -------------------------------------------------------------------------

    async def _judge_loop(self) -> None:
        while True:
            try:
                await self.judge()
            except (psycopg.Error, OSError) as exc:  # keep judging; the next poll may work
                self.last_error = str(exc)
            await asyncio.sleep(self.poll_interval)

    async def judge(self) -> Progress:
        """One poll: findings, checks, harm; updates diagnosed/resolved times."""
        async with self._judge_lock:
            assert self._collector is not None and self._check_conn is not None
            snapshot = await self._collector.poll()
            self._findings = tuple(evaluate(snapshot, self._thresholds))
            lit = {f.id for f in self._findings}
            self._lit_ever |= lit
            active = set(self.live.faults.active())
            sent = [(e.id, float(e.created)) for e in self.live.stripe.ledger.entries()]
            self._checks = tuple(
                [
                    await run_check(
                        self._check_conn, c, findings=lit, active_faults=active, stripe_sent=sent
                    )
                    for c in self.scenario.checks
                ]
            )
            await self._scan_processed()
            now = self.elapsed()
            expected = self.expected_runbooks()
            if self.diagnosed_at is None and all(
                f in self._viewed_lit and expected[f] in self._opened
                for f in self.scenario.diagnose_findings
            ):
                self.diagnosed_at = now
            if self.resolved_at is None and all(c.met for c in self._checks):
                self.resolved_at = now
            self._judged.set()
            return self.progress()

    async def _scan_processed(self) -> None:
        """Harm read from the data itself, whoever caused it (an action, psql, a script)."""
        assert self._check_conn is not None
        for kind, detail in await self._harm_watch.scan(self._check_conn):
            self._harm(kind, detail)

    async def wait_for(self, predicate: Any, timeout: float) -> bool:
        """Wait (judging) until `predicate(progress)` holds; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            progress = await self.judge()
            if predicate(progress):
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(self.poll_interval)

    # --- the end -------------------------------------------------------------------------

    async def finish(self) -> tuple[Score, Debrief]:
        """Judge once more, then score; a resolve after the time limit does not count."""
        if self._finished is not None:
            return self._finished
        progress = await self.judge()
        if self._faults_cleared:
            left = [c for c in progress.checks if c.check.kind in DATA_CHECKS and not c.met]
            if left:
                self._harm(
                    "fault_off_data_left",
                    "the cause was stopped but the data was left damaged: "
                    + "; ".join(c.detail for c in left),
                )
        resolved_at = self.resolved_at
        if (
            resolved_at is not None
            and self.time_limit is not None
            and resolved_at > self.time_limit
        ):
            resolved_at = None
        final = score(
            self.scenario,
            resolved=resolved_at is not None,
            time_to_diagnose=self.diagnosed_at,
            time_to_resolve=resolved_at,
            hints_used=self._hints_taken,
            harmful=self.harmful,
            time_limit=self.time_limit,
        )
        self._finished = (final, debrief(self.scenario, self.events, final))
        return self._finished
