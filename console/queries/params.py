"""The one parameter resolver for catalogue queries: runbook steps and recovery actions.

Values come, lowest first, from the queries' `-- defaults:` headers (in the order the
queries are given), the caller's own defaults (a recovery action's), then what was given
(a runbook step, an operator). The accepted names are the placeholders of the queries,
minus those the caller supplies itself (a write's previewed `ids`). A name no query takes,
or a needed one left without a value, is refused before any SQL runs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from console.queries import Query


class ParamsError(ValueError):
    """Parameters a query cannot run with; `message` and `hint` say which and why."""

    def __init__(
        self,
        label: str,
        *,
        accepted: Sequence[str],
        unknown: Sequence[str] = (),
        missing: Sequence[str] = (),
    ) -> None:
        self.label = label
        self.accepted = tuple(accepted)
        self.unknown = tuple(unknown)
        self.missing = tuple(missing)
        if self.unknown:
            self.message = f"{label} does not take {', '.join(sorted(self.unknown))}"
            self.hint = f"parameters: {', '.join(self.accepted) or 'none'}"
        else:
            self.message = f"{label} needs {', '.join(self.missing)}"
            self.hint = ""
        super().__init__(f"{self.message} — {self.hint}" if self.hint else self.message)


def accepted_params(queries: Sequence[Query], supplied: Collection[str] = ()) -> tuple[str, ...]:
    """The placeholders of the queries in first-use order, minus the supplied ones."""
    names: dict[str, None] = {}
    for query in queries:
        for name in query.params:
            if name not in supplied:
                names.setdefault(name, None)
    return tuple(names)


def resolve_params(
    queries: Sequence[Query],
    given: Mapping[str, Any] | None,
    *,
    defaults: Mapping[str, Any] | None = None,
    supplied: Collection[str] = (),
    label: str | None = None,
) -> dict[str, Any]:
    """A value for every accepted name: header defaults < `defaults` < `given`.

    Raises ParamsError for names no query takes (checked first) and for accepted names
    still without a value (None counts as none). `label` names the caller in the message.
    """
    label = label or (queries[0].name if queries else "query")
    accepted = accepted_params(queries, supplied)
    given = dict(given or {})
    unknown = [name for name in given if name not in accepted]
    if unknown:
        raise ParamsError(label, accepted=accepted, unknown=unknown)
    merged: dict[str, Any] = {}
    for query in queries:
        merged.update(query.defaults)
    merged.update(defaults or {})
    merged.update(given)
    resolved = {name: merged.get(name) for name in accepted}
    missing = [name for name, value in resolved.items() if value is None]
    if missing:
        raise ParamsError(label, accepted=accepted, missing=missing)
    return resolved
