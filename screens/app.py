"""The live incident dashboard: `incident-console` with no subcommand.

Composition only: it builds the controllers (polling, presenter, checklists, incidents,
recovery, write windows) and hands each key (`action_*` through BINDINGS) and each typed
message (`screens.messages`, as `on_*`) to the one whose job it is. Database work never
runs on the UI's path: polls, drill-downs and records are workers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Iterable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from console.core.config import Settings
from console.core.db import SessionLimits
from screens.controllers.checklists import ChecklistController
from screens.controllers.drill_open import DrillDowns
from screens.controllers.incidents import IncidentController
from screens.controllers.observer import AppObserver, Observation
from screens.controllers.ops import Operations
from screens.controllers.palette import palette_commands
from screens.controllers.poller import PollingController
from screens.controllers.polling import PollState, next_interval
from screens.controllers.presenter import DashboardPresenter
from screens.controllers.recovery_controller import RecoveryController
from screens.controllers.source import Evaluator, SourceFactory
from screens.controllers.write_windows import WriteWindows
from screens.dialogs.filter import FilterScreen
from screens.dialogs.help import HelpScreen, binding_keys
from screens.findings import FindingLike
from screens.messages import (
    ActionApplied,
    DrillDown,
    OpenRunbook,
    PlanPreviewed,
    RenderWanted,
    StatusWanted,
    StepRecorded,
)
from screens.options import DashboardOptions
from screens.terminal_driver import hangup_tolerant
from screens.views.checklist_state import Checklists
from screens.views.dashboard import DashboardScreen, dashboard_keys
from screens.widgets.scrollbar import install_whole_cell_scrollbars

if TYPE_CHECKING:
    from textual.driver import Driver

    from screens.controllers.incident_desk import IncidentDesk
    from screens.controllers.recovery import Recovery


class IncidentApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "incident-console"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding(
            "exclamation_mark",
            "open_fired",
            "Runbook of the finding that fired",
            key_display="!",
            show=False,
        ),
    ]

    def __init__(
        self,
        source_factory: SourceFactory,
        options: DashboardOptions | None = None,
        *,
        evaluate: Evaluator | None = None,
        checklists: Checklists | None = None,
        observer: AppObserver | None = None,
        recording: Any = None,
    ) -> None:
        super().__init__()
        install_whole_cell_scrollbars()  # a block glyph on screen is always data
        self.options = options = options or DashboardOptions()
        self.checklists = checklists or Checklists()
        self.state = PollState(interval=options.interval, max_backoff=options.max_backoff)
        self.dashboard = DashboardScreen()
        # The operator's own connection (drill-downs, steps), apart from the poller's.
        self.ops = Operations(options.dsn, allow_write=options.allow_write, limits=options.limits)
        self.presenter = DashboardPresenter(
            self, self.dashboard, self.state, options, incident_clock=self.incident_clock
        )
        self.polling = PollingController(
            self, source_factory, self.state, self.presenter, options, evaluate=evaluate
        )
        self.polling.recording = recording
        self.incident_controller = IncidentController(
            self, self.presenter, options, recording=recording, checklists=self.checklists
        )
        self.recovery_controller = RecoveryController(options, self.incident_controller)
        self.write_windows = WriteWindows.of(self)  # with allow_write: asks why at start
        self.drilldowns = DrillDowns(self, self.ops, options)
        self.checklist_controller = ChecklistController(
            self,
            self.presenter,
            options,
            self.checklists,
            ops=self.ops,
            drilldowns=self.drilldowns,
            actions=self.recovery_controller,
            # Told of the operator's moves (training); no observer in production.
            observation=Observation(observer, step_timeout=options.step_timeout),
        )
        # The demo's simulator (fault switches), when the dashboard runs inside `demo`.
        self.demo_control: object | None = None

    def get_driver_class(self) -> type[Driver]:
        return hangup_tolerant(super().get_driver_class())

    def get_default_screen(self) -> Screen:
        return self.dashboard

    def on_mount(self) -> None:
        if self.options.handle_signals:
            self._exit_on_hangup()
        self.set_interval(1.0, self.render_status)
        self.render_now()
        self.state.polling_since = self.options.clock()
        # After the first paint: the first poll imports the Collector and connects.
        for start in (self.polling.poll, self.incident_controller.resume, self.write_windows.start):
            self.call_after_refresh(start)

    def _exit_on_hangup(self) -> None:
        """SSH drop (SIGHUP) or SIGTERM: leave cleanly, so the terminal is restored and
        connections close; an open confirmation simply never gets its answer."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, partial(self.exit, return_code=128 + sig))

    async def on_unmount(self) -> None:
        await self.polling.close()
        await self.ops.close()
        with contextlib.suppress(Exception):
            self.incident_controller.close()

    # --- what tests, training and the palette reach on the app -------------------------

    @property
    def evaluate(self) -> Evaluator | None:
        return self.polling.evaluate

    @evaluate.setter
    def evaluate(self, evaluate: Evaluator | None) -> None:
        self.polling.evaluate = evaluate

    @property
    def desk(self) -> IncidentDesk:
        return self.incident_controller.desk

    @property
    def recovery(self) -> Recovery:
        """The recovery path, built on first use (backend signals look for it here)."""
        return self.recovery_controller.path

    def incident_clock(self, now: datetime) -> str:
        """The status bar's incident text (training adds its own clock in front)."""
        return self.incident_controller.incident_clock(now)

    def current_findings(self) -> list[FindingLike]:
        return self.presenter.current_findings()

    def render_now(self) -> None:
        self.presenter.render_now()

    def render_status(self) -> None:
        self.presenter.render_status()

    def open_runbook(self, runbook_id: str) -> None:
        self.checklist_controller.open_runbook(runbook_id)

    # --- keys ----------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.state.paused = not self.state.paused
        self.render_now()

    def action_poll_now(self) -> None:
        self.polling.poll_now()

    def action_slower(self) -> None:
        self.polling.set_interval(next_interval(self.state.interval, +1))

    def action_faster(self) -> None:
        self.polling.set_interval(next_interval(self.state.interval, -1))

    def action_filter(self) -> None:
        def apply(text: str | None) -> None:
            if text is not None:
                self.state.event_filter = text
            self.render_now()

        self.push_screen(FilterScreen(self.state.event_filter), apply)

    def action_write_window(self) -> None:
        self.write_windows.toggle()

    def action_checklists(self) -> None:
        self.checklist_controller.open_index()

    def action_timeline(self) -> None:
        self.incident_controller.open_timeline()

    def action_evidence(self) -> None:
        self.checklist_controller.show_evidence()

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        if screen is self.dashboard:
            keys = list(dashboard_keys(self.BINDINGS, self.get_key_display))
        else:  # a checklist screen: its own keys
            keys = binding_keys([*screen.BINDINGS, *self.BINDINGS], self.get_key_display)
        self.push_screen(HelpScreen(keys))

    # --- what the screens tell ---------------------------------------------------------

    def on_drill_down(self, message: DrillDown) -> None:
        message.stop()
        if message.kind == "finding":
            self.checklist_controller.open_finding(message.key)
        elif self.presenter.rendered is not None:
            self.drilldowns.open(message.kind, message.key, self.presenter.rendered)

    def on_open_runbook(self, message: OpenRunbook) -> None:
        self.open_runbook(message.runbook_id)

    def on_render_wanted(self, _: RenderWanted) -> None:
        self.render_now()

    def on_status_wanted(self, _: StatusWanted) -> None:
        self.render_status()

    def on_step_recorded(self, m: StepRecorded) -> None:
        self.incident_controller.record_step(m.runbook_id, m.step_id, m.verdict, m.rows, m.status)

    def on_plan_previewed(self, message: PlanPreviewed) -> None:
        self.incident_controller.record_plan(message.plan)

    def on_action_applied(self, message: ActionApplied) -> None:
        self.incident_controller.record_result(message.result)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that crashed is reported where it happened; the app stays up."""
        if event.state is not WorkerState.ERROR:
            return
        if event.worker.group == "poll":
            self.polling.crashed(event.worker.error)
        else:
            self.notify(
                f"{event.worker.description} failed: {event.worker.error}", severity="error"
            )

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)

    def action_open_fired(self) -> None:
        """`!`: the runbook of the finding that fired last (else the most severe one)."""
        finding = self.presenter.fired or next(iter(self.current_findings()), None)
        if finding is not None:
            self.checklist_controller.open_finding(finding.id)


def run_dashboard(
    *,
    dsn: str,
    settings: Settings,
    allow_write: bool = False,
    environment: str | None = None,
    demo_control: object | None = None,
    recording: Any = None,
) -> int:
    """Build and run the dashboard on `dsn` (console and `demo`) with its `recording` (a
    console.recording LiveRecording; default: each incident while it is open)."""
    from console.core.config import dsn_host
    from console.recording.background import LiveRecording
    from screens.controllers.source import collector_factory, triage_evaluator

    limits = SessionLimits.from_settings(settings)
    recording = recording or LiveRecording(settings)
    options = DashboardOptions(
        environment=environment or settings.environment,
        db_host=dsn_host(dsn),
        dsn=dsn,
        allow_write=allow_write,
        interval=settings.refresh_seconds,
        poll_timeout=4 * limits.statement_timeout_ms / 1000 + limits.connect_timeout_seconds,
        limits=limits,
        handle_signals=True,
        settings=settings,
        state_dsn=settings.state_database_url,
    )
    evaluate = triage_evaluator(settings)
    factory = collector_factory(dsn, settings)
    app = IncidentApp(factory, options, evaluate=evaluate, recording=recording)
    app.demo_control = demo_control
    try:
        app.run()
    finally:
        recording.close()
    return app.return_code or 0


def dashboard_command(args: argparse.Namespace) -> int:
    """Run the dashboard against --dsn / DATABASE_URL (wired from `console.cli`)."""
    from console.cli import load_settings_from
    from console.core.db import require_dsn
    from console.recording.background import LiveRecording

    settings = load_settings_from(args)
    dsn = require_dsn(settings.database_url)
    allow_write = bool(getattr(args, "allow_write", False))
    recording = LiveRecording.from_args(settings, args)
    return run_dashboard(dsn=dsn, settings=settings, allow_write=allow_write, recording=recording)
