"""What a recording may hold: safe to share, so no secret and no DSN password, ever.

Three layers, because one would be a promise and not a guarantee:
- the header carries a settings *summary* built from `Settings.describe()` (secrets and
  DSN passwords already masked there), with the secret fields left out altogether;
- without `samples`, the text that may carry customer data is cut down: string literals
  in the sessions' query text become `'…'` and `extra` is dropped;
- every string written (keys and values, at any depth) passes through a scrubber that
  replaces each configured secret and DSN password with its mask, so an error message
  that quoted a DSN, or a query that embedded a key, still cannot leak it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from console.core.config import Secret, Settings, mask_dsn, mask_secret

# Shorter "secrets" (a test password such as "pw") would still be replaced: the scrubber
# works on string values, never on the JSON text, so it cannot break the structure.
_LITERAL = re.compile(r"(?:[eE])?'(?:[^']|'')*'")
_KEYWORD_PASSWORD = re.compile(r"password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")

SUMMARY_FIELDS = (
    "environment",
    "refresh_seconds",
    "statement_timeout_ms",
    "lock_timeout_ms",
    "thresholds",
    "error_patterns",
    "webhook_tolerance_seconds",
    "max_event_age_seconds",
)


def dsn_passwords(dsn: str | None) -> list[str]:
    """The password(s) a DSN carries, URL or keyword form (empty when none)."""
    if not dsn:
        return []
    found: list[str] = []
    if "://" in dsn:
        parts = urlsplit(dsn)
        if parts.password:
            found += [parts.password, unquote(parts.password)]
        found += [v for k, v in parse_qsl(parts.query) if k == "password" and v]
    for match in _KEYWORD_PASSWORD.finditer(dsn):
        value = match.group(1)
        found.append(value)
        if value.startswith("'") and value.endswith("'") and len(value) >= 2:
            found.append(value[1:-1].replace("\\'", "'"))
    return [p for p in dict.fromkeys(found) if p]


def secrets_of(settings: Settings | None) -> list[str]:
    """Every secret value the settings hold, the DSN passwords included."""
    if settings is None:
        return []
    values: list[str] = []
    for value in vars(settings).values():
        items = value if isinstance(value, tuple) else (value,)
        values += [s.reveal() for s in items if isinstance(s, Secret) and s]
    for name in ("database_url", "state_database_url", "health_database_url"):
        values += dsn_passwords(getattr(settings, name, None))
    # the longest first, so a secret containing another is masked whole
    return sorted(dict.fromkeys(v for v in values if v), key=len, reverse=True)


def settings_summary(settings: Settings | None) -> dict[str, Any]:
    """The settings a replay needs (thresholds, refresh...), with no secret in them."""
    if settings is None:
        return {}
    described = settings.describe()
    summary = {name: described.get(name) for name in SUMMARY_FIELDS if name in described}
    summary["database"] = mask_dsn(settings.database_url) if settings.database_url else None
    summary["secrets_configured"] = sorted(
        name
        for name, value in vars(settings).items()
        if (isinstance(value, Secret) and value)
        or (isinstance(value, tuple) and any(isinstance(s, Secret) for s in value))
    )
    return summary


class Scrubber:
    """Replaces known secrets in every string of a JSON value; cuts samples unless kept."""

    def __init__(self, secrets: Iterable[str] = (), *, samples: bool = False) -> None:
        self.secrets = [s for s in secrets if s]
        self.samples = samples
        # sessions come back unchanged poll after poll (the same encoded object): their
        # cut-down copy is kept, so an unchanged session stays the same object
        self._sessions: dict[int, tuple[Any, Any]] = {}

    def text(self, value: str) -> str:
        for secret in self.secrets:
            if secret in value:
                value = value.replace(secret, mask_secret(secret))
        return value

    def value(self, data: Any) -> Any:
        if not self.secrets:
            return data
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list):
            return [self.value(v) for v in data]
        if isinstance(data, dict):
            return {self.text(k): self.value(v) for k, v in data.items()}
        return data

    def state(self, state: dict[str, Any]) -> dict[str, Any]:
        """A Snapshot state as it may be written."""
        if not self.samples:
            state = dict(state)
            state.pop("extra", None)
            connections = state.get("connections")
            if isinstance(connections, dict):
                state["connections"] = self._without_query_literals(connections)
        return self.value(state)

    def _without_query_literals(self, connections: dict[str, Any]) -> dict[str, Any]:
        seen: dict[int, tuple[Any, Any]] = {}

        def session(data: Any) -> Any:
            if not isinstance(data, dict) or not isinstance(data.get("query"), str):
                return data
            cached = self._sessions.get(id(data))
            if cached is None or cached[0] is not data:
                cached = (data, {**data, "query": strip_literals(data["query"])})
            seen[id(data)] = cached
            return cached[1]

        out = dict(connections)
        for name in ("blocked", "idle_in_transaction", "sessions"):
            if isinstance(out.get(name), list):
                out[name] = [session(s) for s in out[name]]
        out["longest"] = session(out.get("longest"))
        self._sessions = seen
        return out


def strip_literals(query: str) -> str:
    """A query's text with its string literals replaced: the shape stays, the data goes."""
    return _LITERAL.sub("'…'", query)
