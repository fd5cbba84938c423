"""What the judge saw on its latest poll (as screens and the autopilot read it), and the
one-line error of a trainee request that cannot be done."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from console.training.checks import CheckResult
from console.training.scoring import Harm
from console.triage import Finding


@dataclass(frozen=True)
class Progress:
    """The judge's latest view: what is lit, what is met, when it was diagnosed/resolved."""

    elapsed: float
    findings: tuple[Finding, ...]
    checks: tuple[CheckResult, ...]
    diagnosed_at: float | None
    resolved_at: float | None
    harmful: tuple[Harm, ...]

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "elapsed": round(self.elapsed, 2),
            "findings": [f.id for f in self.findings],
            "checks": [c.to_json() for c in self.checks],
            "diagnosed_at": self.diagnosed_at,
            "resolved_at": self.resolved_at,
            "harmful": [h.to_json() for h in self.harmful],
        }


class TrainingError(RuntimeError):
    """Something the trainee asked for that cannot be done; one line."""
