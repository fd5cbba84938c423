"""What a recovery action is: its queries, its key, its parameters and why it is safe.

The actions themselves are declared per family in `console.recovery.families`; the
registry that finds them by id is `console.recovery.specs`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from console import queries

Kind = Literal["rows", "backend", "index", "stripe"]


@dataclass(frozen=True)
class ActionSpec:
    """One recovery action: its queries, its key, its parameters and why it is safe."""

    id: str
    title: str
    description: str
    preview: str
    apply: str
    verify: str
    key: str = "id"
    batch_size: int = 500
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    param_types: Mapping[str, Callable[[Any], Any]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    kind: Kind = "rows"
    # The table (and its key column) whose rows the write locks: used to name the blocker
    # when lock_timeout fires.
    lock_table: str = ""
    lock_key: str = "id"
    # Preview columns passed to the write as arrays beside %(ids)s (same order).
    carry: tuple[str, ...] = ()
    # Parameters the action binds itself and the operator never gives (the signal of a
    # backend action): not defaults, so a plan's params cannot override them.
    fixed: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    findings: tuple[str, ...] = ()
    statement_timeout_ms: int | None = None


def make_spec(**kwargs: Any) -> ActionSpec:
    """An ActionSpec whose parameter mappings are read-only copies."""
    kwargs["params"] = MappingProxyType(dict(kwargs.get("params", {})))
    kwargs["param_types"] = MappingProxyType(dict(kwargs.get("param_types", {})))
    kwargs["fixed"] = MappingProxyType(dict(kwargs.get("fixed", {})))
    return ActionSpec(**kwargs)


def default_params(spec: ActionSpec) -> dict[str, Any]:
    """The action's typical values: its queries' `-- defaults:` headers, then its own
    `params` (a non-SQL action has only those)."""
    merged: dict[str, Any] = {}
    if spec.kind != "stripe":
        for name in (spec.preview, spec.apply):
            merged.update(queries.get(name).defaults)
    return {**merged, **spec.params}


def spec_json(spec: ActionSpec) -> dict[str, Any]:
    """What `runbooks --json` and the UI show about an action."""
    return {
        "id": spec.id,
        "title": spec.title,
        "description": spec.description,
        "kind": spec.kind,
        "preview": spec.preview,
        "apply": spec.apply,
        "verify": spec.verify,
        "key": spec.key,
        "batch_size": spec.batch_size,
        "params": default_params(spec),
        "findings": list(spec.findings),
    }
