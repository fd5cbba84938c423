"""The one JSON converter: every value our rows hold comes out as the same plain JSON."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

from console.core.jsonable import dumps, jsonable


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
