"""Doctor's report: checks with a status, the exit code they add up to, and how they read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["ok", "warn", "fail", "info"]

EXIT_OK = 0
EXIT_CANNOT_RUN = 1
EXIT_FAILED = 2


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}


@dataclass(frozen=True)
class DoctorReport:
    """All checks, plus what was learnt about the server on the way."""

    checks: tuple[Check, ...]
    database: str = ""
    server_version: str | None = None
    id_types: dict[str, str] = field(default_factory=dict)
    reachable: bool = False

    @property
    def ok(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    @property
    def exit_code(self) -> int:
        if any(c.name in ("config", "connection") and c.status == "fail" for c in self.checks):
            return EXIT_CANNOT_RUN
        return EXIT_OK if self.ok else EXIT_FAILED

    def by_name(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        counts = {s: sum(c.status == s for c in self.checks) for s in ("ok", "warn", "fail")}
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "database": self.database,
            "server_version": self.server_version,
            "id_types": dict(self.id_types),
            "summary": counts,
            "checks": [c.as_dict() for c in self.checks],
        }


def statuses(checks: Iterable[Check]) -> dict[str, Status]:
    """name -> status, for tests and callers that only need the verdicts."""
    return {c.name: c.status for c in checks}


_MARK = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "info": "info"}


def render(report: DoctorReport) -> str:
    """The human report: one row per check (status, name, detail), the fix indented below.

    Plain words rather than colour (WARN, FAIL in capitals) so it reads the same with
    NO_COLOR, in a log, or over a slow SSH link; long names push the detail to its own line.
    """
    head = "incident-console doctor"
    if report.database:
        head += f" — {report.database}"
    if report.server_version:
        head += f" (PostgreSQL {report.server_version})"
    width = 24
    indent = " " * (2 + 4 + 2)
    lines = [head]
    for check in report.checks:
        mark = f"  {_MARK[check.status]:<4}  "
        if len(check.name) <= width:
            lines.append(f"{mark}{check.name:<{width}}  {check.detail}")
        else:
            lines.append(f"{mark}{check.name}")
            lines.append(f"{indent}{'':<{width}}  {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"{indent}{'':<{width}}  fix: {check.fix}")
    counts = report.as_dict()["summary"]
    verdict = "nothing failed" if report.ok else "some checks FAILED"
    lines.append(
        f"{verdict}: {counts['ok']} ok, {counts['warn']} warning(s), {counts['fail']} failure(s)"
    )
    return "\n".join(lines)
