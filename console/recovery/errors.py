"""Why a recovery action did not start: one line each, with what to do next.

All of them are raised before anything is written; once a batch has run, the outcome is
an `ActionResult` instead (console.recovery.results).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from console.core.db import DatabaseError


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
