"""How each setting's raw value (TOML value, environment text, flag) becomes a typed value.

Every parser raises ValueError saying what was expected and what came; the loader in
config.py turns that into a ConfigError naming the setting and the layer it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from console.core.masking import Secret, mask_dsn

N = TypeVar("N", int, float)


def _in_range(
    convert: Callable[[str], N], expected: str, minimum: N, maximum: N
) -> Callable[[Any], N]:
    """A parser of `raw` (text or a number) into `convert`'s type, within the bounds."""

    def parse(raw: Any) -> N:
        try:
            value = convert(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected {expected}, got {str(raw)[:40]!r}") from None
        if not minimum <= value <= maximum:
            raise ValueError(f"must be between {minimum} and {maximum}, got {value}")
        return value

    return parse


def parse_int(minimum: int, maximum: int) -> Callable[[Any], int]:
    ranged = _in_range(int, "a whole number", minimum, maximum)

    def parse(raw: Any) -> int:
        if isinstance(raw, bool):  # int(True) would pass as 1
            raise ValueError("expected a whole number, got a boolean")
        return ranged(raw)

    return parse


def parse_float(minimum: float, maximum: float) -> Callable[[Any], float]:
    return _in_range(float, "a number", minimum, maximum)


def parse_str(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"expected text, got {type(raw).__name__}")
    return raw.strip()


def parse_choice(*choices: str) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        value = parse_str(raw).lower()
        if value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        return value

    return parse


def parse_url(raw: Any) -> str:
    value = parse_str(raw)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
    return value


def parse_dsn(raw: Any) -> str:
    value = parse_str(raw)
    if "://" in value:
        if urlsplit(value).scheme not in ("postgres", "postgresql"):
            raise ValueError(
                "expected postgresql://user@host:port/dbname or 'host=… dbname=…', "
                f"got {mask_dsn(value)!r}"
            )
    elif "=" not in value:
        raise ValueError(
            f"expected postgresql://user@host:port/dbname or 'host=… dbname=…', got {value!r}"
        )
    return value


def parse_secret(raw: Any) -> Secret:
    return Secret(parse_str(raw))


def parse_secret_list(raw: Any) -> tuple[Secret, ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    return tuple(Secret(str(item).strip()) for item in items if str(item).strip())


def parse_table_of_str(raw: Any) -> dict[str, str]:
    if isinstance(raw, str):
        pairs = [item.split("=", 1) for item in raw.split(",") if item.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("expected name=value pairs separated by commas")
        return {name.strip(): value.strip() for name, value in pairs}
    if not isinstance(raw, Mapping):
        raise ValueError("expected a table of name = value")
    return {str(k): parse_str(v) for k, v in raw.items()}


def parse_commands(raw: Any) -> dict[str, tuple[str, ...]]:
    """Service commands are argv lists (never run through a shell)."""
    if not isinstance(raw, Mapping):
        raise ValueError('expected a table of name = ["argv", "list"]')
    commands: dict[str, tuple[str, ...]] = {}
    for name, argv in raw.items():
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
            raise ValueError(f"command {name!r} must be a non-empty list of strings (argv)")
        commands[str(name)] = tuple(argv)
    return commands


def parse_numbers(raw: Any) -> dict[str, float]:
    if not isinstance(raw, Mapping):
        raise ValueError("expected a table of name = number")
    out: dict[str, float] = {}
    for name, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number, got {value!r}")
        out[str(name)] = float(value)
    return out


def parse_escalation(raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, Mapping):
        raise ValueError('expected a table of issue_type = ["level 1", "level 2", "level 3"]')
    return {
        str(k): tuple(str(x) for x in (v if isinstance(v, list) else [v])) for k, v in raw.items()
    }
