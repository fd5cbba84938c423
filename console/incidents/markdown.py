"""Markdown pieces for the postmortem draft: safe cells and lines, times, the metrics table.

Everything written into the draft passes through `cell` or `line`: operator text (titles,
notes, pasted errors) may hold pipes, newlines or control characters that would break a
table or the document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped, no control chars."""
    text = "" if value is None else str(value)
    text = _CONTROL.sub(" ", text.replace("\r", " ").replace("\n", " "))
    return text.replace("|", "\\|").strip()


def line(value: Any) -> str:
    return _CONTROL.sub(" ", "" if value is None else str(value).replace("\n", " ")).strip()


def when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if 0 <= seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if data is None:
        return {}
    if hasattr(data, "metrics_json") and callable(data.metrics_json):
        data = data.metrics_json()
    if not isinstance(data, Mapping):
        return {prefix or "value": data}
    out: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            out.update(flatten(value, name))
        else:
            out[name] = value
    return out


def number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return cell(value)


def metrics_table(before: Any, after: Any) -> list[str]:
    b, a = flatten(before), flatten(after)
    names = list(dict.fromkeys([*b, *a]))
    if not names:
        return ["_No metrics were captured._"]
    lines = ["| Metric | Before | After |", "|---|---|---|"]
    for name in names:
        lines.append(f"| {cell(name)} | {number(b.get(name, '—'))} | {number(a.get(name, '—'))} |")
    return lines
