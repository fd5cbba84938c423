"""The typed outcome every non-SQL check returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from console.core.jsonable import pick_fields

CheckStatus = Literal["ok", "warn", "fail", "skipped", "error"]
CHECK_STATUSES: tuple[CheckStatus, ...] = ("ok", "warn", "fail", "skipped", "error")


@dataclass(frozen=True)
class CheckResult:
    """What a check found: a status, one line for the operator, and JSON-safe details.

    `skipped` means the check could not run for want of something optional (a URL, a log
    file, a pasted header) and says which; `error` means it tried and broke.
    """

    name: str
    status: CheckStatus
    summary: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return pick_fields(self)
