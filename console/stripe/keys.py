"""Which Stripe API keys the console accepts, and the live-mode guard.

Reading events needs only a restricted key (`rk_…`) with "Events: Read"; a full secret
key (`sk_…`) works too but can write, so the console says so. A live-mode key
(`sk_live_`/`rk_live_`) is refused unless the operator passed `--live`: the console then
reads a real account and may deliver real events. Keys only ever appear masked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from console.core.config import Secret, mask_secret

KeyKind = Literal["restricted", "secret"]

_KEY = re.compile(r"^(sk|rk)_(live|test)_[A-Za-z0-9]{8,}$")
_KEYLIKE = re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9*]+|\bwhsec_[A-Za-z0-9+/=]+")

READ_EVENTS_HINT = (
    "create a restricted key in the Stripe Dashboard (Developers -> API keys -> Create "
    "restricted key, Events: Read, nothing else) and set STRIPE_SECRET_KEY to it"
)


class StripeKeyRefused(ValueError):
    """The configured key cannot or may not be used; one line and what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(message)


@dataclass(frozen=True)
class KeyInfo:
    """What a key is, without the key: safe to print and to put in JSON."""

    kind: KeyKind
    live: bool
    masked: str

    @property
    def mode(self) -> str:
        return "live" if self.live else "test"

    def notes(self) -> tuple[str, ...]:
        if self.kind == "secret":
            return (
                f"{self.masked} is a full secret key, which can also write; a restricted key "
                "with Events: Read is enough for the console",
            )
        return ()


def scrub(text: str) -> str:
    """`text` with anything shaped like a Stripe key or signing secret masked."""
    return _KEYLIKE.sub(lambda m: mask_secret(m.group(0)), text)


def check_key(key: Secret | str | None, *, live: bool = False) -> KeyInfo:
    """Classify a key, refusing what cannot list events and live keys without `live`."""
    value = key.reveal() if isinstance(key, Secret) else (key or "")
    value = value.strip()
    if not value:
        raise StripeKeyRefused(
            "no Stripe API key is configured (STRIPE_SECRET_KEY)", READ_EVENTS_HINT
        )
    masked = mask_secret(value)
    if value.startswith("whsec_"):
        raise StripeKeyRefused(
            f"{masked} is a webhook signing secret, not an API key", READ_EVENTS_HINT
        )
    if value.startswith("pk_"):
        raise StripeKeyRefused(
            f"{masked} is a publishable key: it cannot read events", READ_EVENTS_HINT
        )
    match = _KEY.match(value)
    if match is None:
        raise StripeKeyRefused(
            f"{masked} does not look like a Stripe API key (sk_… or rk_…)", READ_EVENTS_HINT
        )
    kind: KeyKind = "restricted" if match.group(1) == "rk" else "secret"
    is_live = match.group(2) == "live"
    if is_live and not live:
        raise StripeKeyRefused(
            f"{masked} is a live-mode key: reading a live account needs --live",
            "pass --live to confirm you mean the live account (still read-only unless you "
            "redeliver), or use a test-mode key",
        )
    return KeyInfo(kind=kind, live=is_live, masked=masked)
