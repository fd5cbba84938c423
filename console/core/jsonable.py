"""One conversion of the values our rows and results hold into JSON, used everywhere.

Four converters used to disagree (a Decimal came out as a string in the state database and
as a number in `run --json`); this is the one. Numbers stay numbers (a Decimal with no
fraction becomes an int, else a float), NaN and infinities become null (they are not
JSON), times are ISO 8601, durations are seconds, uuids and other scalars are strings,
dataclasses become objects.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """`value` as plain JSON types (recursively)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if is_dataclass(value) and not isinstance(value, type):
        # field by field, not asdict(): asdict deep-copies, and a frozen Snapshot's
        # MappingProxyType fields cannot be copied
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    return str(value)


def dumps(data: Any, *, sort_keys: bool = True) -> str:
    """Compact, stable JSON text (sorted keys, UTF-8 kept) of `data`."""
    return json.dumps(jsonable(data), ensure_ascii=False, sort_keys=sort_keys)


Field = str | tuple[str, str]


def pick(obj: object, *names: Field) -> dict[str, Any]:
    """`obj`'s attributes `names` as a dict, in that order: the `to_json` of a class that
    shows its fields as they are. A name is the attribute, or (key, attribute) where the
    JSON key differs. Tuples become lists and read-only mappings dicts (JSON has only
    those); other values are kept as they are, not converted like `jsonable` does."""
    out: dict[str, Any] = {}
    for name in names:
        key, attr = (name, name) if isinstance(name, str) else name
        out[key] = _plain(getattr(obj, attr))
    return out


def pick_fields(obj: Any) -> dict[str, Any]:
    """Every field of the dataclass `obj`, in declaration order, as `pick` shows them."""
    return pick(obj, *(f.name for f in fields(obj)))


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping) and not isinstance(value, dict):
        return dict(value)
    return value
