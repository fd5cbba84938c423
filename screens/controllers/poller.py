"""The poll loop: one worker at a time, rescheduled only after the previous poll finished.

Like dolphie's WorkerManager, an object the app composes and that holds the app (for its
workers and timers). Polls never pile up on a sick database: the next one is timed with
`set_timer` when this one is done, after a failure with the backoff of `PollState`. The
rules (backoff, what to say) live in the pure `PollState`; this module only runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from textual.app import App
from textual.timer import Timer

from console.metrics.snapshot import Snapshot
from screens.controllers.polling import NoAnswer, PollState
from screens.controllers.presenter import DashboardPresenter
from screens.controllers.source import Evaluator, SnapshotSource, SourceFactory
from screens.failures import describe_failure
from screens.findings import FindingLike, sort_findings
from screens.options import DashboardOptions


@dataclass(eq=False)
class PollingController:
    """Polls the source, triages each Snapshot, and has the presenter show the result."""

    app: App[Any]
    source_factory: SourceFactory
    state: PollState
    presenter: DashboardPresenter
    options: DashboardOptions
    _: KW_ONLY
    evaluate: Evaluator | None
    _source: SnapshotSource | None = field(default=None, init=False)
    _next_poll: Timer | None = field(default=None, init=False)
    # Told of every poll (console.recording.background.LiveRecording); None: no recording.
    recording: Any = field(default=None, init=False)

    def start(self) -> None:
        self.state.polling_since = self.options.clock()
        self.poll()

    def poll(self) -> None:
        self.app.run_worker(
            self._poll,
            name="poll",
            group="poll",
            description="poll the database",
            exit_on_error=False,
            exclusive=True,
        )

    async def _poll(self) -> None:
        try:
            if self._source is None:
                self._source = self.source_factory()
            # The first poll loads the whole window: give it more time than a delta poll.
            timeout = self.options.poll_timeout * (1 if self.state.polls else 3)
            try:
                snapshot = await asyncio.wait_for(self._source.poll(), timeout)
            except TimeoutError:
                raise NoAnswer(f"no answer from the database in {timeout:g} s") from None
        except Exception as exc:
            kind, message = describe_failure(exc)
            if kind == "no_answer":  # cancelled mid-poll: rebuild rather than trust its state
                await self.close()
            self.failed(kind, message)
            return
        findings, findings_error = self._triage(snapshot)
        self.state.succeeded(snapshot, findings, findings_error)
        if self.recording is not None:
            self.recording.polled(snapshot, findings, self.options.clock())
        self._schedule(self.state.interval)
        self.presenter.render_now()

    def _triage(self, snapshot: Snapshot) -> tuple[list[FindingLike], str | None]:
        if self.evaluate is None:
            return [], None
        try:
            return sort_findings(self.evaluate(snapshot)), None
        except ImportError:
            return [], "not available in this build yet (no console.triage)"
        except Exception as exc:
            return [], describe_failure(exc)[1]

    def failed(self, kind: str, message: str) -> None:
        if self.recording is not None:
            self.recording.poll_failed(message, kind)
        delay = self.state.failed(kind, message, self.options.clock())
        self._schedule(delay)
        self.presenter.render_now()

    def crashed(self, error: BaseException | None) -> None:
        """The poll worker itself crashed: counted as a failed poll, the app stays up."""
        self.failed(*describe_failure(error or RuntimeError("poll crashed")))

    def _schedule(self, delay: float) -> None:
        if self._next_poll is not None:
            self._next_poll.stop()
        self._next_poll = self.app.set_timer(delay, self.start, name="next-poll")

    def poll_now(self) -> None:
        """Poll at once instead of waiting, unless a poll is already running."""
        if self.state.polling_since is None:
            if self._next_poll is not None:
                self._next_poll.stop()
            self.start()

    def set_interval(self, seconds: float) -> None:
        """Takes effect now: the waiting poll is re-timed (a backoff is left alone)."""
        self.state.interval = seconds
        if self.state.polling_since is None and self.state.error is None:
            self._schedule(seconds)
        self.presenter.render_status()

    async def close(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            # closing a dead connection may fail; it is gone either way
            with contextlib.suppress(Exception):
                await asyncio.wait_for(source.close(), 2.0)
