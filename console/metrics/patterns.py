"""Error-message patterns: group `webhook_events.error_message` the way the guide talks.

The guide names a handful of errors ("Invalid signature", "Event too old", "Rate limit
exceeded", "Invalid state transition", connection/timeout errors); detectors count them by
those names. Patterns are SQL-LIKE strings (`%` any run, `_` one character), matched
case-insensitively like ILIKE, because real messages vary in case ("No signatures found
matching the expected signature…"). One setting may hold alternatives separated by `|`.
A message no pattern matches is grouped as itself, so a new failure mode still shows up.
Matching happens in Python: the database only hands over the raw message once per row.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from console.core.guide_messages import (
    EVENT_TOO_OLD,
    INVALID_SIGNATURE,
    INVALID_STATE_TRANSITION,
    RATE_LIMIT_EXCEEDED,
)

CONNECTION = "Connection/timeout error"

# group name (the guide's message where it has one) -> the LIKE pattern(s) it stands for
DEFAULT_PATTERNS: dict[str, str] = {
    INVALID_SIGNATURE: "%signature%",
    EVENT_TOO_OLD: "%too old%",
    RATE_LIMIT_EXCEEDED: "%rate limit%",
    INVALID_STATE_TRANSITION: "%state transition%",
    CONNECTION: "%connection%|%timeout%|%timed out%",
}

SECURITY_GROUPS = (INVALID_SIGNATURE, EVENT_TOO_OLD)
MAX_MESSAGE_CHARS = 200
_CACHE_LIMIT = 10_000


def like_to_regex(pattern: str) -> re.Pattern[str]:
    """Compile one LIKE pattern (with `|` alternatives) to an anchored, case-free regex."""
    alternatives = []
    for alternative in pattern.split("|"):
        parts = []
        for char in alternative.strip():
            if char == "%":
                parts.append(".*")
            elif char == "_":
                parts.append(".")
            else:
                parts.append(re.escape(char))
        alternatives.append("".join(parts))
    return re.compile("^(?:" + "|".join(alternatives) + ")$", re.IGNORECASE | re.DOTALL)


class ErrorClassifier:
    """Maps an error message to its group name; configured names override the defaults."""

    def __init__(self, patterns: Mapping[str, str] | None = None) -> None:
        merged = dict(DEFAULT_PATTERNS)
        merged.update(patterns or {})
        self.patterns: dict[str, str] = {k: v for k, v in merged.items() if v}
        self._compiled = [(name, like_to_regex(p)) for name, p in self.patterns.items()]
        self._cache: dict[str, str] = {}

    def classify(self, message: str) -> str:
        """The group a message belongs to: a pattern name, or the (trimmed) message itself."""
        found = self._cache.get(message)
        if found is not None:
            return found
        group = next((name for name, rx in self._compiled if rx.match(message)), None)
        if group is None:
            group = " ".join(message.split())[:MAX_MESSAGE_CHARS] or "(empty message)"
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[message] = group
        return group

    def pattern_of(self, group: str) -> str:
        """The LIKE pattern of a named group; empty for a message grouped as itself."""
        return self.patterns.get(group, "")
