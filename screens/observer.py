"""The hook by which an embedding (training) learns what the operator does in the app.

Production passes no observer and nothing changes. Training passes one that records each
move on its session — a finding looked at, a runbook opened, a step run — and runs the
steps itself, so a runbook's service commands act on the simulation instead of the host.
"""

from __future__ import annotations

from typing import Any, Protocol


class AppObserver(Protocol):
    def finding_viewed(self, finding_id: str) -> None:
        """The operator opened a finding (its runbook or its evidence)."""

    def runbook_opened(self, runbook_id: str) -> None:
        """A runbook screen was opened."""

    async def run_step(self, runbook_id: str, step: Any, confirmed: frozenset[str]) -> Any | None:
        """Run `step` instead of the app and return its StepResult; None lets the app run
        it as in production."""
