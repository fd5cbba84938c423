"""Secrets and DSNs as they may be shown: masked in every repr, message and status bar.

Why a type: a stray log line, traceback or `repr(settings)` must never print a secret,
so secrets are `Secret` objects whose repr, str and format give the mask; only
`reveal()` gives the value, at the one place that needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit


def mask_secret(value: str) -> str:
    """`whsec_abc…1a2b`-style mask: enough to tell secrets apart, never enough to use one."""
    if not value:
        return "(empty)"
    prefix_match = re.match(r"^([a-z]+_(?:live_|test_)?)", value)
    prefix = prefix_match.group(1) if prefix_match else ""
    if len(value) <= len(prefix) + 8:
        return f"{prefix}…"
    return f"{prefix}…{value[-4:]}"


@dataclass(frozen=True)
class Secret:
    """A secret string. Only `reveal()` gives the value; repr/str/format give the mask."""

    _value: str = field(repr=False)

    def reveal(self) -> str:
        return self._value

    @property
    def masked(self) -> str:
        return mask_secret(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.masked})"

    def __str__(self) -> str:
        return self.masked

    def __format__(self, spec: str) -> str:
        return format(self.masked, spec)

    def __bool__(self) -> bool:
        return bool(self._value)


def mask_dsn(dsn: str | None) -> str:
    """A DSN with its password replaced, for messages and the status bar."""
    if not dsn:
        return "(none)"
    if "://" in dsn:
        parts = urlsplit(dsn)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return urlunsplit(parts._replace(netloc=netloc))
        return dsn
    return re.sub(r"(password\s*=\s*)('[^']*'|\S+)", r"\1***", dsn)


def dsn_host(dsn: str | None) -> str:
    """The host part of a DSN for display (socket directories shown as 'local')."""
    if not dsn:
        return "(none)"
    if "://" in dsn:
        parts = urlsplit(dsn)
        host = parts.hostname or ""
        if not host and "host=" in parts.query:
            return "local"
        port = f":{parts.port}" if parts.port else ""
        return f"{host or 'local'}{port}"
    match = re.search(r"host\s*=\s*(\S+)", dsn)
    host = match.group(1) if match else "local"
    return "local" if host.startswith("/") else host
