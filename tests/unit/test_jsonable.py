"""The one JSON converter: every value our rows hold comes out as the same plain JSON."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from console.core.jsonable import dumps, jsonable, pick, pick_fields


@dataclass(frozen=True)
class _Row:
    amount: Decimal
    at: dt.datetime


def test_numbers_stay_numbers_and_non_json_floats_become_null() -> None:
    assert jsonable(Decimal("12")) == 12
    assert isinstance(jsonable(Decimal("12")), int)
    assert jsonable(Decimal("12.50")) == 12.5
    assert jsonable(float("nan")) is None
    assert jsonable(float("inf")) is None
    assert jsonable(Decimal("NaN")) is None


def test_times_ids_and_containers() -> None:
    at = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)
    ident = uuid.UUID("12345678-1234-5678-1234-567812345678")
    value = {"at": at, "ids": (ident, 7), "took": dt.timedelta(minutes=2), 3: {b"\x01"}}
    assert jsonable(value) == {
        "at": "2026-12-01T03:00:00+00:00",
        "ids": [str(ident), 7],
        "took": 120.0,
        "3": ["01"],
    }


def test_dataclasses_become_objects_and_dumps_is_stable() -> None:
    row = _Row(Decimal("1.5"), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    text = dumps({"b": row, "a": "é"})
    assert text.index('"a"') < text.index('"b"')
    assert "é" in text
    assert json.loads(text)["b"] == {"amount": 1.5, "at": "2026-01-01T00:00:00+00:00"}


@dataclass(frozen=True)
class _Shown:
    name: str
    tags: tuple[str, ...]
    params: Mapping[str, int]
    details: dict[str, int]


def test_pick_keeps_order_renames_and_makes_json_containers() -> None:
    shown = _Shown("a", ("x", "y"), MappingProxyType({"n": 1}), {"m": 2})
    out = pick(shown, "tags", ("label", "name"), "params")
    assert list(out) == ["tags", "label", "params"]
    assert out == {"tags": ["x", "y"], "label": "a", "params": {"n": 1}}
    assert type(out["params"]) is dict
    # a plain dict is the object's own, as the hand-written to_json methods returned it
    assert pick(shown, "details")["details"] is shown.details


def test_pick_fields_is_every_field_in_declaration_order() -> None:
    shown = _Shown("a", (), MappingProxyType({}), {})
    assert list(pick_fields(shown)) == ["name", "tags", "params", "details"]
