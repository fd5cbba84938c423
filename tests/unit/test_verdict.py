"""Verdict rules: the tiny grammar a runbook uses to judge a query's rows (never eval)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.runbooks.verdict import VerdictError, judge, parse_rule, parse_verdict_rule

ROWS = [
    {"n": 3, "lag": dt.timedelta(seconds=12), "pct": Decimal("5.5"), "who": "a"},
    {"n": 7, "lag": dt.timedelta(seconds=2), "pct": None, "who": "b"},
]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("rows > 0", True),
        ("rows == 2", True),
        ("rows>=3", False),
        ("max(n) > 6", True),
        ("min(n) < 3", False),
        ("sum(n) == 10", True),
        ("avg(n) == 5", True),
        ("max(lag) > 10", True),  # durations compare in seconds
        ("max(pct) > 5", True),  # Decimal, and the NULL is ignored
        ("min(pct) >= 5.5", True),
        ("max(n) > 100 or rows == 2", True),
        ("max(n) > 100 or rows == 2 and min(n) > 5", False),  # and binds tighter
        ("rows > -1 and sum(n) != 0", True),
    ],
)
def test_rules_judge_crafted_rows(rule: str, expected: bool) -> None:
    assert parse_rule(rule).holds(ROWS) is expected


def test_aggregates_of_no_rows_do_not_fire_but_sum_is_zero() -> None:
    assert parse_rule("max(n) > -100").holds([]) is False
    assert parse_rule("sum(n) == 0").holds([]) is True
    assert parse_rule("rows == 0").holds([]) is True


def test_first_matching_rule_gives_the_verdict_and_its_words() -> None:
    rules = [
        parse_verdict_rule({"when": "max(n) > 100", "verdict": "fail", "say": "huge"}),
        parse_verdict_rule({"when": "max(n) > 5", "verdict": "warn", "say": "big"}),
    ]
    assert judge(rules, ROWS, "fine") == ("warn", "big")
    assert judge(rules, [{"n": 1}], "fine") == ("ok", "fine")


def test_a_rule_naming_a_missing_column_says_which_columns_exist() -> None:
    with pytest.raises(VerdictError, match=r"'nope'.*returns: n, lag, pct, who"):
        parse_rule("max(nope) > 1").holds(ROWS)


@pytest.mark.parametrize(
    "rule",
    [
        "",
        "rows >",
        "rows > abc",
        "max(n > 1",
        "max() > 1",
        "count(n) > 1",
        "__import__('os').system('id')",
        "rows > 1; DROP TABLE orders",
        "len(rows) > 0",
        "rows > 1 xor rows < 2",
        "rows > 1 and",
        "rows = 1",
        "rows > 1e9",
        "x" * 400,
    ],
)
def test_malformed_rules_raise_verdict_error(rule: str) -> None:
    with pytest.raises(VerdictError):
        parse_rule(rule)


@pytest.mark.parametrize(
    "raw",
    [
        "rows > 0",
        {"verdict": "fail"},
        {"when": "rows > 0", "verdict": "panic"},
        {"when": "rows > 0", "say": 3},
        {"when": "rows > 0", "colour": "red"},
    ],
)
def test_malformed_verdict_tables_raise_verdict_error(raw: object) -> None:
    with pytest.raises(VerdictError):
        parse_verdict_rule(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_any_text_either_parses_or_raises_verdict_error(text: str) -> None:
    try:
        condition = parse_rule(text)
    except VerdictError:
        return
    assert condition.holds([]) in (True, False)  # a parsed rule can always be judged
