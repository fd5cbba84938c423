"""Verdict rules for runbook query steps: a tiny grammar, parsed here, never `eval`ed.

A rule reads like `rows > 0` or `max(failed_signatures) >= 10 and rows > 2`:

    rule       := clause (("and" | "or") clause)*     "and" binds tighter than "or"
    clause     := measure OP number
    measure    := "rows" | ("max" | "min" | "sum" | "avg") "(" column ")"
    OP         := ">" | ">=" | "<" | "<=" | "==" | "!="
    number     := optionally signed integer or decimal

Runbook files are data written by people; a typo must fail when the file loads (with the
file named), not at 3 a.m. when the step runs. Columns are only known at run time, so a
rule naming a column the query does not return raises `VerdictError` then.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

AGGREGATES = ("max", "min", "sum", "avg")
_OPS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_TOKEN = re.compile(
    r"\s*(?:(?P<number>[-+]?\d+(?:\.\d+)?)|(?P<op>>=|<=|==|!=|>|<)"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[()]))"
)
MAX_RULE_LENGTH = 300


class VerdictError(ValueError):
    """A rule that does not parse, or that cannot be judged against the rows it got."""


@dataclass(frozen=True)
class Clause:
    """One comparison: `aggregate(column) op number`, or `rows op number` (column None)."""

    aggregate: str  # "rows" or one of AGGREGATES
    column: str | None
    op: str
    number: float

    def measure(self, rows: Sequence[Mapping[str, Any]]) -> float | None:
        """The measured value; None when an aggregate has no numeric value to work on."""
        if self.aggregate == "rows":
            return float(len(rows))
        assert self.column is not None
        if rows and self.column not in rows[0]:
            raise VerdictError(
                f"the rule uses column {self.column!r}, which the query does not return "
                f"(it returns: {', '.join(rows[0])})"
            )
        values = [v for v in (_number(row.get(self.column)) for row in rows) if v is not None]
        if not values:
            return 0.0 if self.aggregate == "sum" else None
        if self.aggregate == "max":
            return max(values)
        if self.aggregate == "min":
            return min(values)
        if self.aggregate == "sum":
            return sum(values)
        return sum(values) / len(values)

    def holds(self, rows: Sequence[Mapping[str, Any]]) -> bool:
        value = self.measure(rows)
        return value is not None and _OPS[self.op](value, self.number)

    def describe(self) -> str:
        left = "rows" if self.aggregate == "rows" else f"{self.aggregate}({self.column})"
        return f"{left} {self.op} {_format_number(self.number)}"


@dataclass(frozen=True)
class Condition:
    """Clauses in disjunctive normal form: any group whose clauses all hold."""

    source: str
    groups: tuple[tuple[Clause, ...], ...]

    def holds(self, rows: Sequence[Mapping[str, Any]]) -> bool:
        return any(all(clause.holds(rows) for clause in group) for group in self.groups)

    def columns(self) -> tuple[str, ...]:
        return tuple(
            dict.fromkeys(c.column for group in self.groups for c in group if c.column is not None)
        )


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _number(value: Any) -> float | None:
    """A numeric view of a cell: numbers, Decimals and durations (in seconds)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return None


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        match = _TOKEN.match(stripped, position)
        if not match or match.end() == position:
            bad = stripped[position:].strip()[:20]
            raise VerdictError(f"unexpected {bad!r} in rule {text!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def parse_rule(text: Any) -> Condition:
    """Parse a rule string into a Condition, or raise VerdictError saying what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise VerdictError("a rule must be a non-empty string such as 'rows > 0'")
    if len(text) > MAX_RULE_LENGTH:
        raise VerdictError(f"rule is longer than {MAX_RULE_LENGTH} characters")
    tokens = _tokens(text)
    groups: list[list[Clause]] = [[]]
    index = 0

    def expect(kind: str, what: str) -> str:
        nonlocal index
        if index >= len(tokens) or tokens[index][0] != kind:
            found = repr(tokens[index][1]) if index < len(tokens) else "the end"
            raise VerdictError(f"expected {what} in rule {text!r}, found {found}")
        value = tokens[index][1]
        index += 1
        return value

    while True:
        word = expect("word", "'rows' or max(...)/min(...)/sum(...)/avg(...)")
        column: str | None = None
        if word == "rows":
            aggregate = "rows"
        elif word in AGGREGATES:
            aggregate = word
            if expect("punct", "'('") != "(":
                raise VerdictError(f"expected '(' after {word} in rule {text!r}")
            column = expect("word", "a column name")
            if expect("punct", "')'") != ")":
                raise VerdictError(f"expected ')' after the column in rule {text!r}")
        else:
            raise VerdictError(
                f"unknown measure {word!r} in rule {text!r}: use rows, "
                + ", ".join(f"{a}(column)" for a in AGGREGATES)
            )
        op = expect("op", "a comparison (> >= < <= == !=)")
        number = float(expect("number", "a number"))
        groups[-1].append(Clause(aggregate, column, op, number))
        if index == len(tokens):
            break
        joiner = expect("word", "'and' or 'or'")
        if joiner == "or":
            groups.append([])
        elif joiner != "and":
            raise VerdictError(f"expected 'and' or 'or' in rule {text!r}, found {joiner!r}")
    return Condition(source=text.strip(), groups=tuple(tuple(g) for g in groups))


VERDICTS = ("ok", "warn", "fail")


@dataclass(frozen=True)
class VerdictRule:
    """`{ when = "rows > 0", verdict = "fail", say = "…" }` from a runbook step."""

    when: Condition
    verdict: str
    say: str


def parse_verdict_rule(raw: Any) -> VerdictRule:
    if not isinstance(raw, Mapping):
        raise VerdictError('a verdict must be a table: { when = "rows > 0", verdict = "fail" }')
    unknown = set(raw) - {"when", "verdict", "say"}
    if unknown:
        raise VerdictError(f"unknown key(s) in a verdict: {', '.join(sorted(unknown))}")
    if "when" not in raw:
        raise VerdictError("a verdict needs 'when' (a rule such as 'rows > 0')")
    verdict = raw.get("verdict", "fail")
    if verdict not in VERDICTS:
        raise VerdictError(f"verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
    say = raw.get("say", "")
    if not isinstance(say, str):
        raise VerdictError("a verdict's 'say' must be text")
    return VerdictRule(when=parse_rule(raw["when"]), verdict=verdict, say=say)


def judge(
    rules: Sequence[VerdictRule], rows: Sequence[Mapping[str, Any]], ok_text: str = ""
) -> tuple[str, str]:
    """(status, text) from the first rule that holds, else ("ok", ok_text)."""
    for rule in rules:
        if rule.when.holds(rows):
            return rule.verdict, rule.say or f"{rule.when.source} ({len(rows)} rows)"
    if ok_text:
        return "ok", ok_text
    return "ok", f"{len(rows)} row(s)" + ("; no rule fired" if rules else "")
