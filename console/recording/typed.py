"""JSON back into the frozen dataclasses it came from, led by their type hints.

`console.core.jsonable` turns a Snapshot into plain JSON; this is the way back. It reads
each dataclass field's annotation (datetime, tuple[X, ...], Mapping[str, int], X | None,
nested dataclasses), so a field added to the Snapshot later is read without touching this
module, a field the recording lacks takes its default, and a key the Snapshot no longer
has is ignored: recordings made by an older console still replay.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from types import MappingProxyType
from typing import Any, TypeVar, Union, get_args, get_origin

T = TypeVar("T")


class DecodeError(ValueError):
    """A value of the recording does not fit the field it belongs to."""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(cls: type[T], data: Any) -> T:
    """An instance of dataclass `cls` from its `jsonable` form."""
    return typing.cast(T, _value(cls, data, cls.__name__))


def _dataclass(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise DecodeError(f"{where}: expected an object, got {type(data).__name__}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if not f.init or f.name not in data:
            continue
        kwargs[f.name] = _value(hints[f.name], data[f.name], f"{where}.{f.name}")
    return cls(**kwargs)


def _value(hint: Any, data: Any, where: str) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in get_args(hint) if a is not type(None)]
        if data is None:
            return None
        return _value(options[0], data, where) if len(options) == 1 else data
    if hint is Any:
        return data
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint, data, where)
    if hint is datetime:
        if not isinstance(data, str):
            raise DecodeError(f"{where}: expected a time, got {data!r}")
        return datetime.fromisoformat(data)
    if hint is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise DecodeError(f"{where}: expected a number, got {data!r}")
        return float(data)
    if hint in (int, str, bool):
        if not isinstance(data, hint) or (hint is int and isinstance(data, bool)):
            raise DecodeError(f"{where}: expected {hint.__name__}, got {data!r}")
        return data
    if origin is tuple:
        args = get_args(hint)
        if not isinstance(data, list):
            raise DecodeError(f"{where}: expected a list, got {type(data).__name__}")
        item = args[0] if args else Any
        return tuple(_value(item, v, f"{where}[{i}]") for i, v in enumerate(data))
    if origin in (Mapping, dict, typing.Mapping) or hint in (Mapping, dict):
        args = get_args(hint)
        if not isinstance(data, Mapping):
            raise DecodeError(f"{where}: expected an object, got {type(data).__name__}")
        item = args[1] if len(args) == 2 else Any
        return MappingProxyType({k: _value(item, v, f"{where}.{k}") for k, v in data.items()})
    return data
