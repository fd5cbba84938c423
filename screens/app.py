"""The live incident dashboard: `incident-console` with no subcommand.

The app owns the poll loop (one worker at a time, rescheduled with `set_timer` only after
the previous poll finished, so polls never pile up on a sick database) and the state the
panels render from. Rendering is skipped while paused or while a dialog is open, and
caught up when the dashboard is visible again. Database work never runs on the UI's
path: polls and drill-downs are workers, so keys are answered even when the database
is not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from console.core.config import Settings
from console.core.db import SessionLimits
from console.metrics.snapshot import Snapshot
from screens.controllers.checklists import ChecklistActions
from screens.controllers.observer import AppObserver, ObservedActions
from screens.controllers.ops import Operations
from screens.controllers.polling import NoAnswer, PollState, describe_failure, next_interval
from screens.controllers.source import (
    Evaluator,
    FindingLike,
    SnapshotSource,
    SourceFactory,
    sort_findings,
)
from screens.dialogs.filter import FilterScreen
from screens.dialogs.help import HelpScreen
from screens.views.checklist_index import ChecklistScreen
from screens.views.checklist_state import Checklists
from screens.views.dashboard import PANELS, DashboardScreen
from screens.widgets.panel import RenderContext
from screens.widgets.status_bar import StatusBar, StatusInfo

if TYPE_CHECKING:
    from screens.controllers.incident_desk import IncidentDesk
    from screens.controllers.recovery import Recovery

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class IncidentApp(ObservedActions, ChecklistActions, App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "incident-console"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(
        self,
        source_factory: SourceFactory,
        *,
        evaluate: Evaluator | None = None,
        environment: str = "",
        db_host: str = "",
        dsn: str | None = None,
        allow_write: bool = False,
        interval: float = 2.0,
        clock: Clock = utc_now,
        poll_timeout: float = 30.0,
        max_backoff: float = 30.0,
        limits: SessionLimits | None = None,
        confirm_expiry: float = 60.0,
        handle_signals: bool = False,
        settings: Settings | None = None,
        state_dsn: str | None = None,
        state_dir: Path | None = None,
        report_dir: Path | None = None,
        plan_ttl: float | None = None,
        step_timeout: float = 30.0,
        operator: str = "",
        checklists: Checklists | None = None,
        observer: AppObserver | None = None,
    ) -> None:
        super().__init__()
        self.source_factory = source_factory
        self.evaluate = evaluate
        self.environment = environment
        self.db_host = db_host
        self.allow_write = allow_write
        self.clock = clock
        self.poll_timeout = poll_timeout
        self.confirm_expiry = confirm_expiry
        self.handle_signals = handle_signals
        self.state = PollState(interval=interval, max_backoff=max_backoff)
        self.ops = Operations(dsn, allow_write=allow_write, limits=limits)
        self.dashboard = DashboardScreen()
        self.settings = settings or Settings()
        self.step_timeout = step_timeout
        self.checklists = checklists or Checklists()
        # Told of the operator's moves (training); None in production.
        self.observer = observer
        # Recovery and the incident desk load psycopg and the actions: built on first use,
        # after the first frame is painted.
        self._recovery_args = {
            "dsn": dsn,
            "allow_write": allow_write,
            "state_dsn": state_dsn or dsn,
            "limits": limits,
            "local_dir": state_dir,
            "operator": operator,
            "ttl_seconds": plan_ttl,
        }
        self._desk_args = {
            "state_dsn": state_dsn or dsn,
            "local_dir": state_dir,
            "limits": limits,
            "operator": operator,
            "report_dir": report_dir,
        }
        self._recovery: Recovery | None = None
        self._desk: IncidentDesk | None = None
        self._source: SnapshotSource | None = None
        self._rendered_ctx: RenderContext | None = None
        self._next_poll: Timer | None = None
        # The demo's simulator (fault switches), when the dashboard runs inside `demo`.
        self.demo_control: object | None = None

    def get_default_screen(self) -> Screen:
        return self.dashboard

    def on_mount(self) -> None:
        if self.handle_signals:
            self._exit_on_hangup()
        self.set_interval(1.0, self.render_status)
        self.render_now()
        self.state.polling_since = self.clock()
        # After the first paint: the first poll imports the Collector and connects.
        self.call_after_refresh(self.poll)
        if self._desk_args["state_dsn"]:
            self.call_after_refresh(self.record, lambda desk: desk.resume())

    def _exit_on_hangup(self) -> None:
        """SSH drop (SIGHUP) or SIGTERM: leave cleanly, so the terminal is restored and
        connections close; an open confirmation simply never gets its answer."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, partial(self.exit, return_code=128 + sig))

    # --- polling -------------------------------------------------------------------

    @property
    def recovery(self) -> Recovery:
        if self._recovery is None:
            from console.core.audit import current_operator
            from console.recovery.actions import DEFAULT_TTL_SECONDS
            from screens.controllers.recovery import Recovery

            args = dict(self._recovery_args)
            args["operator"] = args["operator"] or current_operator()
            args["ttl_seconds"] = args["ttl_seconds"] or DEFAULT_TTL_SECONDS
            dsn = args.pop("dsn")
            allow_write = args.pop("allow_write")
            self._recovery = Recovery(dsn, allow_write, **args)
        return self._recovery

    @recovery.setter
    def recovery(self, recovery: Recovery) -> None:
        """Training replaces the recovery path with one that goes through its session."""
        self._recovery = recovery

    @property
    def desk(self) -> IncidentDesk:
        if self._desk is None:
            from console.core.audit import current_operator
            from screens.controllers.incident_desk import IncidentDesk

            args = dict(self._desk_args)
            args["operator"] = args["operator"] or current_operator()
            state_dsn = args.pop("state_dsn")
            self._desk = IncidentDesk(state_dsn, settings=self.settings, **args)
        return self._desk

    def start_poll(self) -> None:
        self.state.polling_since = self.clock()
        self.poll()

    @work(exclusive=True, exit_on_error=False, group="poll", description="poll the database")
    async def poll(self) -> None:
        try:
            if self._source is None:
                self._source = self.source_factory()
            # The first poll loads the whole window: give it more time than a delta poll.
            timeout = self.poll_timeout * (1 if self.state.polls else 3)
            try:
                snapshot = await asyncio.wait_for(self._source.poll(), timeout)
            except TimeoutError:
                raise NoAnswer(f"no answer from the database in {timeout:g} s") from None
        except Exception as exc:
            kind, message = describe_failure(exc)
            if kind == "no_answer":  # cancelled mid-poll: rebuild rather than trust its state
                await self._drop_source()
            self.poll_failed(kind, message)
            return
        findings, findings_error = self._triage(snapshot)
        self.state.succeeded(snapshot, findings, findings_error)
        self._schedule(self.state.interval)
        self.render_now()

    def _triage(self, snapshot: Snapshot) -> tuple[list[FindingLike], str | None]:
        if self.evaluate is None:
            return [], None
        try:
            return sort_findings(self.evaluate(snapshot)), None
        except ImportError:
            return [], "not available in this build yet (no console.triage)"
        except Exception as exc:
            return [], describe_failure(exc)[1]

    def poll_failed(self, kind: str, message: str) -> None:
        delay = self.state.failed(kind, message, self.clock())
        self._schedule(delay)
        self.render_now()

    def _schedule(self, delay: float) -> None:
        if self._next_poll is not None:
            self._next_poll.stop()
        self._next_poll = self.set_timer(delay, self.start_poll, name="next-poll")

    def action_poll_now(self) -> None:
        """Poll at once instead of waiting, unless a poll is already running."""
        if self.state.polling_since is None:
            if self._next_poll is not None:
                self._next_poll.stop()
            self.start_poll()

    async def _drop_source(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            # closing a dead connection may fail; it is gone either way
            with contextlib.suppress(Exception):
                await asyncio.wait_for(source.close(), 2.0)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that crashed is reported where it happened; the app stays up."""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        if event.worker.group == "poll":
            self.poll_failed(*describe_failure(error or RuntimeError("poll crashed")))
        else:
            self.notify(f"{event.worker.description} failed: {error}", severity="error")

    # --- rendering -----------------------------------------------------------------

    @property
    def dashboard_on_top(self) -> bool:
        """The dashboard is visible: mounted, and no dialog over it (nor shutting down)."""
        try:
            stack = self.screen_stack
        except KeyError:  # the mode's stack is gone while the app shuts down
            return False
        return bool(stack) and stack[-1] is self.dashboard and self.dashboard.is_mounted

    @property
    def can_render(self) -> bool:
        return self.dashboard_on_top and not self.state.paused

    def context(self) -> RenderContext:
        return RenderContext(
            snapshot=self.state.snapshot,
            now=self.clock(),
            findings=tuple(self.state.shown_findings()),
            findings_error=self.state.findings_error,
            db_error=self.state.error,
            event_filter=self.state.event_filter,
            compact=self.size.width < 120,
            width=max(20, self.size.width // (2 if self.size.width < 120 else 3) - 4),
        )

    def render_now(self) -> None:
        """Render panels and status, unless paused or a dialog is open (then later)."""
        if self.can_render:
            self._rendered_ctx = self.context()
            self.dashboard.show(self._rendered_ctx)
        elif not self.state.paused and isinstance(self._top(), ChecklistScreen):
            cast(ChecklistScreen, self._top()).show_findings(self.current_findings())
        self.render_status()

    def _top(self) -> Screen | None:
        try:
            return self.screen
        except Exception:  # no screen while the app shuts down
            return None

    def render_status(self) -> None:
        screen = self._top()
        bars = list(screen.query(StatusBar)) if screen is not None and screen.is_mounted else []
        if not bars:
            return
        now = self.clock()
        shown = self._rendered_ctx.findings if self._rendered_ctx else ()
        snap = self._rendered_ctx.snapshot if self._rendered_ctx else None
        worst = min((f.severity for f in shown), default=None)
        self._show_status(
            bars,
            StatusInfo(
                environment=self.environment,
                db_host=self.db_host,
                allow_write=self.allow_write,
                severity=worst,
                now=now,
                data_taken_at=snap.taken_at if snap else None,
                connection=self.state.connection_text(now),
                paused=self.state.paused,
                interval_seconds=self.state.interval,
                event_filter=self.state.event_filter,
                incident=self.incident_clock(now),
                read_only_proven=snap.read_only_proven if snap else None,
            ),
        )

    @staticmethod
    def _show_status(bars: list[StatusBar], info: StatusInfo) -> None:
        for bar in bars:
            bar.info = info

    # --- actions -------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        self.state.paused = not self.state.paused
        self.render_now()

    def action_slower(self) -> None:
        self._set_interval(next_interval(self.state.interval, +1))

    def action_faster(self) -> None:
        self._set_interval(next_interval(self.state.interval, -1))

    def _set_interval(self, seconds: float) -> None:
        """Takes effect now: the waiting poll is re-timed (a backoff is left alone)."""
        self.state.interval = seconds
        if self.state.polling_since is None and self.state.error is None:
            self._schedule(seconds)
        self.render_status()

    def action_filter(self) -> None:
        def apply(text: str | None) -> None:
            if text is not None:
                self.state.event_filter = text
            self.render_now()

        self.push_screen(FilterScreen(self.state.event_filter), apply)

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        if screen is self.dashboard:
            self.push_screen(HelpScreen(list(self.key_help())))
        else:  # a checklist screen: its own keys
            keys = [
                (self.get_key_display(b), b.description)
                for b in [*screen.BINDINGS, *self.BINDINGS]
                if isinstance(b, Binding) and b.description
            ]
            self.push_screen(HelpScreen(keys))

    def key_help(self) -> Iterable[tuple[str, str]]:
        panels = sorted(PANELS, key=lambda p: p.number)
        yield (
            f"{panels[0].number}-{panels[-1].number}",
            "Focus a panel: " + ", ".join(f"{p.number} {p.label or p.title}" for p in panels),
        )
        for binding in [*self.dashboard.BINDINGS, *self.BINDINGS]:
            if isinstance(binding, Binding) and not binding.key.isdigit():
                yield self.get_key_display(binding), binding.description
        yield "Enter", "Drill down (errors, stuck orders, connections); a finding: its runbook"
        yield "Tab / Shift+Tab", "Next / previous panel"
        yield "Ctrl+P", "Command palette"

    def open_drilldown(self, kind: str, key: str) -> None:
        from screens.controllers.drill_open import (
            open_drilldown,  # lazy: not needed for the first paint
        )

        if kind == "finding":
            self._finding_viewed(key)
            self.open_runbook_for_finding(key)
        elif self._rendered_ctx is not None:
            open_drilldown(self, kind, key, self._rendered_ctx)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Pause / resume", "Freeze the panels", self.action_toggle_pause)
        yield SystemCommand("Filter by event type", "Show some types", self.action_filter)
        yield SystemCommand("Poll now", "Refresh without waiting", self.action_poll_now)
        yield SystemCommand("Refresh slower", "Longer poll interval", self.action_slower)
        yield SystemCommand("Refresh faster", "Shorter poll interval", self.action_faster)
        yield SystemCommand("Help", "Keys and HTTP codes", self.action_help)
        yield SystemCommand("Checklists", "P0/P1/P2 and every runbook (c)", self.action_checklists)
        yield SystemCommand(
            "Incident timeline", "Open, notes, postmortem (t)", self.action_timeline
        )
        for runbook in self.checklists.runbooks().values():
            yield SystemCommand(
                f"Runbook: {runbook.title}",
                runbook.guide_section or runbook.id,
                lambda rid=runbook.id: self.open_runbook(rid),
            )
        for panel in PANELS:
            yield SystemCommand(
                f"Focus {panel.label or panel.title}",
                f"Key {panel.number}",
                lambda key=panel.key: self.dashboard.action_focus_panel(key),
            )

    async def on_unmount(self) -> None:
        await self._drop_source()
        await self.ops.close()
        with contextlib.suppress(Exception):
            self.desk.close()


def run_dashboard(
    *,
    dsn: str,
    settings: Settings,
    allow_write: bool = False,
    environment: str | None = None,
    demo_control: object | None = None,
) -> int:
    """Build and run the dashboard on `dsn`; shared by the console and `demo`."""
    from console.core.config import dsn_host
    from screens.controllers.source import collector_factory, triage_evaluator

    limits = SessionLimits.from_settings(settings)
    app = IncidentApp(
        collector_factory(dsn, settings),
        evaluate=triage_evaluator(settings),
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
    app.demo_control = demo_control
    app.run()
    return app.return_code or 0


def dashboard_command(args: argparse.Namespace) -> int:
    """Run the dashboard against --dsn / DATABASE_URL (wired from `console.cli`)."""
    from console.cli import load_settings_from
    from console.core.db import require_dsn

    settings = load_settings_from(args)
    dsn = require_dsn(settings.database_url)
    return run_dashboard(
        dsn=dsn, settings=settings, allow_write=bool(getattr(args, "allow_write", False))
    )
