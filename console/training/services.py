"""Service commands in training: the runbooks' host commands, acting on the simulation.

In production a runbook's `command` step runs an argv from `[service_commands]`
(`systemctl restart webhook-service`, `timedatectl`, ...). In training the same command
names act on the simulated system instead, so the trainee practises the same steps:

- `webhook_restart` deploys "the fixed build": every fault of the service, its
  configuration, the storefront or its sessions is switched off, then the processor
  works through what was accepted but never processed (`reprocess_pending`). The host's
  clock is not the service's: `clock_skew` survives a restart.
- `webhook_stop` stops processing (deliveries are still stored, as a queue would);
  `webhook_start` resumes it without touching the faults.
- `chrony_enable` turns time synchronisation back on: `clock_skew` off.
- the status commands (`webhook_status`, `postgresql_status`, `time_status`, ...) only
  report, from the simulation's own state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from console.sim.faults.specs import FAULTS
from console.sim.live import LiveSystem

# A restart clears every fault of the simulated system but the host's: the clock belongs
# to the host (chrony_enable). Derived, so a new fault is cleared without a second list.
HOST_FAULTS = ("clock_skew",)
RESTART_CLEARS = tuple(name for name in FAULTS if name not in HOST_FAULTS)
STOPPED = "processor_down"  # a stopped worker looks exactly like this fault


@dataclass(frozen=True)
class CommandOutcome:
    """What a service command printed and whether it succeeded; `faults_off` it cleared."""

    command: str
    ok: bool
    lines: tuple[str, ...]
    faults_off: tuple[str, ...] = ()
    reprocessed: int = 0
    changes_state: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "ok": self.ok,
            "lines": list(self.lines),
            "faults_off": list(self.faults_off),
            "reprocessed": self.reprocessed,
            "changes_state": self.changes_state,
        }


class TrainingServices:
    """The runbooks' service commands, implemented on a running LiveSystem."""

    def __init__(self, live: LiveSystem) -> None:
        self.live = live
        self.stopped_by_operator = False

    def names(self) -> list[str]:
        return list(SERVICE_COMMANDS)

    async def run(self, command: str) -> CommandOutcome:
        handler = _HANDLERS.get(command)
        if handler is None:
            return CommandOutcome(
                command,
                False,
                (f"{command}: not available in training (known: {', '.join(SERVICE_COMMANDS)})",),
            )
        return await handler(self)

    # --- state-changing -----------------------------------------------------------------

    async def webhook_restart(self) -> CommandOutcome:
        cleared = [name for name in RESTART_CLEARS if self.live.faults.disable(name)]
        self.stopped_by_operator = False
        self.live.receiver.reset_rate_limit()  # the limiter lives in the process's memory
        if "connection_hog" in cleared:
            await self.live.receiver.wait_for_faults(10.0)
        done = await self.live.receiver.reprocess_pending(5_000)
        lines = [
            "webhook-service: stopped",
            "webhook-service: started (build with fixes)",
            f"webhook-service: processed {done} pending event(s) on start",
        ]
        return CommandOutcome("webhook_restart", True, tuple(lines), tuple(cleared), done, True)

    async def webhook_stop(self) -> CommandOutcome:
        self.live.faults.enable(STOPPED)
        self.stopped_by_operator = True
        return CommandOutcome(
            "webhook_stop", True, ("webhook-service: stopped (deliveries are queued)",), (), 0, True
        )

    async def webhook_start(self) -> CommandOutcome:
        cleared: tuple[str, ...] = ()
        if self.stopped_by_operator and self.live.faults.disable(STOPPED):
            cleared = (STOPPED,)
        self.stopped_by_operator = False
        done = await self.live.receiver.reprocess_pending(5_000) if cleared else 0
        return CommandOutcome(
            "webhook_start", True, ("webhook-service: started",), cleared, done, True
        )

    async def chrony_enable(self) -> CommandOutcome:
        cleared = ("clock_skew",) if self.live.faults.disable("clock_skew") else ()
        lines = ("NTP service: active", "System clock synchronized: yes")
        return CommandOutcome("chrony_enable", True, lines, cleared, 0, True)

    # --- read-only ------------------------------------------------------------------------

    async def webhook_status(self) -> CommandOutcome:
        active = self.live.faults.active()
        worker = "stopped" if "processor_down" in active else "running"
        stats = self.live.receiver.snapshot_stats()
        lines = [
            "webhook-service.service - Stripe webhook receiver",
            f"   Active: active (running); worker: {worker}",
            f"   Listening: {self.live.url}",
            f"   Requests: {stats}",
        ]
        return CommandOutcome("webhook_status", True, tuple(lines))

    async def postgresql_status(self) -> CommandOutcome:
        hog = "connection_hog" in self.live.faults.active()
        lines = [
            "postgresql.service - PostgreSQL RDBMS",
            "   Active: active (running)",
            "   note: many idle-in-transaction sessions from webhook-receiver"
            if hog
            else "   sessions: normal",
        ]
        return CommandOutcome("postgresql_status", True, tuple(lines))

    async def time_status(self) -> CommandOutcome:
        skewed = "clock_skew" in self.live.faults.active()
        lines = (
            f"System clock synchronized: {'no' if skewed else 'yes'}",
            f"NTP service: {'inactive' if skewed else 'active'}",
        )
        return CommandOutcome("time_status", True, lines)

    async def webhook_journal(self) -> CommandOutcome:
        path = self.live.log_path
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[-20:]
        except OSError as exc:
            return CommandOutcome("webhook_journal", False, (f"cannot read {path}: {exc}",))
        return CommandOutcome("webhook_journal", True, tuple(lines))


_Handler = Callable[[TrainingServices], Awaitable[CommandOutcome]]
_HANDLERS: dict[str, _Handler] = {
    "webhook_status": TrainingServices.webhook_status,
    "webhook_stop": TrainingServices.webhook_stop,
    "webhook_start": TrainingServices.webhook_start,
    "webhook_restart": TrainingServices.webhook_restart,
    "webhook_journal": TrainingServices.webhook_journal,
    "postgresql_status": TrainingServices.postgresql_status,
    "time_status": TrainingServices.time_status,
    "chrony_sources": TrainingServices.time_status,
    "chrony_enable": TrainingServices.chrony_enable,
}
SERVICE_COMMANDS: tuple[str, ...] = tuple(_HANDLERS)
STATE_CHANGING = frozenset({"webhook_stop", "webhook_start", "webhook_restart", "chrony_enable"})
