"""`TrainingApp`: the production dashboard on the training database, with the page before
it, a training bar, hints, and the debrief after it.

The session is started by Enter on the briefing (the faults go in then) in this app's
event loop, so the simulation, the judge and the dashboard share one loop. The dashboard
polls the training database with the real Collector and triage (the session's
shortened grace periods); the trainee's moves reach the session through the app's
observer hook. Finishing scores the run, saves it to the history and shows the debrief.
The briefing asks for the start with a `BriefingScreen.StartRequested` message.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.widgets import Static

from console.training.history import history_path, record_run
from console.training.scoring import Debrief, Score
from console.training.session import TrainingSession
from screens.app import IncidentApp
from screens.controllers.polling import describe_failure
from screens.controllers.source import collector_factory, triage_evaluator
from screens.options import Clock, DashboardOptions, utc_now
from screens.training.briefing import BriefingScreen
from screens.training.debrief import DebriefScreen
from screens.training.dialogs import FinishScreen, HintScreen
from screens.training.observer import SessionObserver, SessionRecovery, simulated_commands
from screens.training.text import bar_text, clock

BAR_REFRESH_SECONDS = 1.0


class TrainingBar(Static):
    DEFAULT_CSS = """
    TrainingBar { height: 1; background: $warning 30%; text-style: bold; padding: 0 1; }
    """


class TrainingApp(IncidentApp):
    CSS_PATH = "../app.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        *IncidentApp.BINDINGS,  # repeated: the help screen lists the app's own BINDINGS
        Binding("h", "hint", "Hint"),
        Binding("f", "finish", "Finish"),
    ]

    def __init__(
        self,
        session: TrainingSession,
        *,
        history_dir: Path | None = None,
        save_history: bool = True,
        interval: float = 1.0,
        clock: Clock = utc_now,
        state_dir: Path | None = None,
        handle_signals: bool = False,
    ) -> None:
        # A drill's write window is opened for it, as long as a drill may last.
        settings = replace(
            session.settings, service_commands=simulated_commands(), write_window_minutes=480
        )
        observer = SessionObserver(session)
        options = DashboardOptions(
            environment="training",
            db_host="simulation",
            dsn=session.dsn,
            allow_write=True,  # a simulation: the trainee may apply (and harm)
            interval=interval,
            clock=clock,
            settings=settings,
            state_dir=state_dir,
            operator="trainee",
            handle_signals=handle_signals,
        )
        factory = collector_factory(session.dsn, settings)
        super().__init__(factory, options, evaluate=triage_evaluator(settings), observer=observer)
        self.write_windows.reason = f"training drill: {session.scenario.id}"
        self.session = session
        self.session_observer = observer
        self.scenario = session.scenario
        self.history_dir = history_dir
        self.save_history = save_history
        self.started = False
        self.stopped = False
        self.finishing = False
        self.start_error: str | None = None
        self.result: tuple[Score, Debrief] | None = None
        self.briefing = BriefingScreen(self.scenario)
        self.bar = TrainingBar("", id="training-bar")

    def on_mount(self) -> None:
        super().on_mount()
        self.recovery_controller.path = SessionRecovery(
            self.session_observer,
            asyncio.get_running_loop(),
            limits=self.options.limits,
            local_dir=self.options.state_dir,
            operator=self.options.operator,
        )
        self.push_screen(self.briefing)

    # --- the clock -------------------------------------------------------------------

    def on_briefing_screen_start_requested(self, _: BriefingScreen.StartRequested) -> None:
        self.start_training()

    @work(exclusive=True, exit_on_error=False, group="training", description="start training")
    async def start_training(self) -> None:
        try:
            await self.session.start()
        except Exception as exc:
            self.start_error = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            self.briefing.start_failed(self.start_error)
            return
        self.started = True
        self.session_observer.active = True
        await self.dashboard.mount(self.bar, after="#panels")
        self.update_bar()
        self.set_interval(BAR_REFRESH_SECONDS, self.update_bar)
        self.pop_screen()
        self.refresh_bindings()
        self.action_poll_now()

    def update_bar(self) -> None:
        if not self.running:
            return
        progress = self.session.progress()
        limit = self.session.time_limit
        if limit is not None and progress.elapsed >= limit:
            self.notify(f"Time is up ({clock(limit)}).", severity="warning")
            self.finish_now()
            return
        self.bar.update(
            bar_text(
                elapsed=progress.elapsed,
                par_diagnose=self.scenario.par_diagnose_seconds,
                par_resolve=self.scenario.par_resolve_seconds,
                diagnosed_at=progress.diagnosed_at,
                resolved_at=progress.resolved_at,
                hints_taken=self.hints_taken,
                hints_total=len(self.scenario.hints),
                hint_cost=self.scenario.hint_cost,
                time_limit=limit,
            )
        )

    @property
    def hints_taken(self) -> int:
        return sum(1 for e in self.session.events if e.kind == "hint_taken")

    def incident_clock(self, now: datetime) -> str:
        """The status bar of every screen shows the training clock (and any incident)."""
        incident = super().incident_clock(now)
        if not self.running:
            return incident
        mine = f"T+{clock(self.session.elapsed())}"
        return f"{mine} · {incident}" if incident else mine

    # --- hints and finishing ------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.started and self.result is None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """h and f exist only while the clock runs (hidden on the briefing and debrief)."""
        if action in ("hint", "finish"):
            return self.running
        return super().check_action(action, parameters)

    def action_hint(self) -> None:
        if not self.running:
            return
        hint = self.session.take_hint()
        if hint is None:
            self.notify("No hints left.", severity="warning")
            return
        total = len(self.scenario.hints)
        self.push_screen(HintScreen(self.hints_taken, total, self.scenario.hint_cost, hint))
        self.update_bar()

    def action_finish(self) -> None:
        if not self.running or self.finishing or isinstance(self.screen, FinishScreen):
            return

        def answered(finish: bool | None) -> None:
            if finish:
                self.finish_now()

        self.push_screen(FinishScreen(self.session.resolved_at is not None), answered)

    async def action_quit(self) -> None:
        """Before the clock starts q leaves; during the run it asks to finish (scored)."""
        if self.running:
            self.action_finish()
            return
        if self.start_error is not None:
            self.exit(
                return_code=1,
                message=f"incident-console: training could not start: {self.start_error}",
            )
            return
        await super().action_quit()

    def finish_now(self) -> None:
        """Score the run once, whoever asks first (the trainee, or the time limit)."""
        if self.running and not self.finishing:
            self.finishing = True
            self.finish()

    @work(exit_on_error=False, group="finish", description="finish training")
    async def finish(self) -> None:
        self.session_observer.active = False  # what happens after the end is not scored
        try:
            final, report = await self.session.finish()
        except Exception as exc:  # the last judging poll failed: say so, let them retry
            self.session_observer.active, self.finishing = True, False
            self.notify(f"Could not score the run: {describe_failure(exc)[1]}", severity="error")
            return
        self.result = (final, report)
        self.refresh_bindings()
        if self.save_history:
            try:
                await asyncio.to_thread(
                    record_run,
                    history_path(self.history_dir),
                    scenario_id=self.scenario.id,
                    faults=self.scenario.fault_names,
                    final=final,
                    autopilot=False,
                    time_limit=self.session.time_limit,
                )
            except OSError as exc:
                self.notify(f"The run was not saved to the history: {exc}", severity="warning")
        self.state.paused = True  # the scenario is over: the panels stop following it
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(DebriefScreen(self.scenario, final, report))
        await self.stop_session()

    async def stop_session(self) -> None:
        """The simulation stops once: after the debrief is up, or when the app closes."""
        if self.started and not self.stopped:
            self.stopped = True
            with contextlib.suppress(Exception):
                await self.session.stop()

    async def on_unmount(self) -> None:
        await super().on_unmount()
        await self.stop_session()
