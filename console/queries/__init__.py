"""Named SQL queries loaded from the `sql/` data directory, run with parameters only.

One file per query, `sql/<group>/<name>.sql`, named `<group>/<name>`. The file opens with
comment lines of `-- key: value` metadata; `description` is required:

    -- description: Recent webhook events, newest first
    -- params: window, limit
    -- source: guide, Diagnostic Tools / Database Queries
    SELECT ... WHERE created_at > now() - %(window)s::interval LIMIT %(limit)s

Values are always psycopg placeholders (`%(name)s`); nothing is ever formatted into the
text. A query may declare `-- requires: notifications` so callers can skip it, with the
reason, when an optional table is missing, and `-- defaults: {"window": "1 hour"}`, the
typical values of its parameters. `Query.defaults` is the one reader of that header; a
malformed one fails when the catalogue loads. A line `\\ir include/<name>.sql` (psql's
include, relative to the file) puts a shared condition or column list in place: written
once for the preview, the write and the diagnostic (or the panel and its drill-down) that
must agree on it.

Running queries: `console.queries.runner`; resolving parameters: `console.queries.params`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from console.core.paths import sql_dir

_META = re.compile(r"^--\s*([a-z_]+)\s*:\s*(.*)$")
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_INCLUDE = re.compile(r"^(\s*)\\ir\s+(\S+)\s*$")


class QueryFileError(ValueError):
    """A malformed .sql file: names the file and the problem."""


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    text: str
    path: Path
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def params(self) -> tuple[str, ...]:
        """The placeholders the text uses, in first-use order."""
        seen: dict[str, None] = {}
        for match in _PLACEHOLDER.finditer(self.text):
            seen.setdefault(match.group(1), None)
        return tuple(seen)

    @property
    def requires(self) -> tuple[str, ...]:
        raw = self.meta.get("requires", "")
        return tuple(part.strip() for part in raw.split(",") if part.strip())

    @property
    def defaults(self) -> dict[str, Any]:
        """The `-- defaults: {json}` header as a fresh dict ({} without one)."""
        return parse_defaults(self.meta.get("defaults", ""), self.path, self.params)

    def bind(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Check that every placeholder has a value; extra keys are an error too."""
        params = dict(params or {})
        missing = [p for p in self.params if p not in params]
        if missing:
            raise KeyError(f"query {self.name} needs parameters: {', '.join(missing)}")
        extra = [p for p in params if p not in self.params]
        if extra:
            raise KeyError(f"query {self.name} does not take: {', '.join(extra)}")
        return params


def parse_defaults(raw: str, path: Path, params: tuple[str, ...]) -> dict[str, Any]:
    """The one reader of the `-- defaults:` header: a JSON object naming parameters the text
    uses. Anything else raises QueryFileError, naming the file."""
    if not raw.strip():
        return {}
    try:
        values = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise QueryFileError(f"{path}: '-- defaults:' is not JSON: {exc}") from None
    if not isinstance(values, dict):
        raise QueryFileError(f"{path}: '-- defaults:' must be a JSON object")
    unknown = [name for name in values if name not in params]
    if unknown:
        raise QueryFileError(
            f"{path}: '-- defaults:' names {', '.join(unknown)}, which the query does not use"
        )
    return values


def parse_query_file(name: str, path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    body: list[str] = []
    in_header = True
    for line in text.splitlines():
        match = _META.match(line.strip()) if in_header else None
        if match:
            meta[match.group(1)] = match.group(2).strip()
            continue
        if in_header and not line.strip():
            continue
        in_header = False
        body.append(line)
    sql_text = "\n".join(_expand_includes(body, path)).strip().rstrip(";").strip()
    if "description" not in meta:
        raise QueryFileError(f"{path}: missing '-- description:' header line")
    if not sql_text:
        raise QueryFileError(f"{path}: no SQL after the header")
    query = Query(name=name, description=meta["description"], text=sql_text, path=path, meta=meta)
    parse_defaults(meta.get("defaults", ""), path, query.params)  # fails at load, not at use
    return query


def _expand_includes(lines: list[str], path: Path) -> list[str]:
    """psql's `\\ir FILE` (relative to this file), so a condition that a preview, its write
    and a diagnostic must agree on is written once (`sql/<group>/include/`). The included
    file is SQL text after its own comment header, indented as the `\\ir` line, and
    includes nothing itself."""
    out: list[str] = []
    for line in lines:
        match = _INCLUDE.match(line)
        if match is None:
            out.append(line)
            continue
        indent, target = match.groups()
        part = path.parent / target
        try:
            text = part.read_text(encoding="utf-8")
        except OSError:
            raise QueryFileError(f"{path}: \\ir {target}: no such file") from None
        included = text.splitlines()
        while included and (included[0].startswith("--") or not included[0].strip()):
            included.pop(0)
        if any(_INCLUDE.match(row) for row in included):
            raise QueryFileError(f"{path}: \\ir {target} includes another file")
        out.extend(indent + row if row.strip() else row for row in included)
    return out


@cache
def catalogue() -> dict[str, Query]:
    """Every named query shipped with the console, loaded once."""
    root = sql_dir()
    queries: dict[str, Query] = {}
    for path in sorted(root.glob("*/*.sql")):
        group = path.parent.name
        if group == "schema":
            continue
        name = f"{group}/{path.stem}"
        queries[name] = parse_query_file(name, path)
    return queries


def get(name: str) -> Query:
    try:
        return catalogue()[name]
    except KeyError:
        raise KeyError(f"no query named {name!r}") from None


def group(prefix: str) -> list[Query]:
    return [q for n, q in catalogue().items() if n.startswith(prefix + "/")]
