"""An action's parameters: the typed parsers its spec names, and resolving what the
operator gave against the defaults of its queries and of its spec."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from console import queries
from console.core.config_values import parse_int
from console.core.state import InputError, check_text
from console.queries.params import ParamsError
from console.queries.params import resolve_params as resolve
from console.recovery.errors import InvalidParams
from console.recovery.model import ActionSpec


def plain_param(raw: Any) -> Any:
    """A parameter without a declared type: text or a number, nothing else."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise ValueError("expected text or a number")
    return raw.strip() if isinstance(raw, str) else raw


def text_param(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError("expected text")
    return raw.strip()


# The settings' number parser: one wording for a bad number, whichever way it came.
MAX_RETRIES = parse_int(1, 1_000)
PID = parse_int(1, 2**31 - 1)


def supplied_params(spec: ActionSpec) -> tuple[str, ...]:
    """What the executor binds itself: the keys, the carried columns, the fixed values."""
    return ("ids", *spec.carry, *spec.fixed)


def declared_params(spec: ActionSpec) -> tuple[str, ...]:
    """The operator-facing parameters: what the preview and the write use, minus the keys
    and carried columns the executor supplies itself."""
    supplied = set(supplied_params(spec))
    names: dict[str, None] = {}
    for query in (spec.preview, spec.apply):
        for name in queries.get(query).params:
            if name not in supplied:
                names.setdefault(name, None)
    return tuple(names)


def resolve_params(spec: ActionSpec, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults (the queries' `-- defaults:`, then the spec's) overlaid with the operator's
    values, each parsed; unknown names refused. Parameters come from the SQL files, so a
    query that gains a parameter (with a default) needs no change here."""
    try:
        resolved = resolve(
            [queries.get(spec.preview), queries.get(spec.apply)],
            params,
            defaults=spec.params,
            supplied=supplied_params(spec),
            label=spec.id,
        )
    except ParamsError as exc:
        raise InvalidParams(exc.message, exc.hint) from None
    out: dict[str, Any] = {}
    for name, value in resolved.items():
        parse = spec.param_types.get(name, plain_param)
        try:
            if isinstance(value, str):
                check_text(value, name, max_length=200)
            out[name] = parse(value)
        except (ValueError, InputError) as exc:
            raise InvalidParams(f"{spec.id}: parameter {name}: {exc}") from None
    return out
