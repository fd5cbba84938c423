"""Stripe webhook signatures: sign a payload, and verify a `Stripe-Signature` header.

Shared by the simulated receiver, the traffic generator and the console's signature
checks. Verification differs from stripe-python's `WebhookSignature.verify_header` on
purpose: the tolerance is always explicit and applied in both directions (stripe-python
skips the age check without a tolerance and never rejects a future timestamp), several
secrets may be configured (rotation) and the result says which one matched, and no
header, however broken, raises: every outcome is a typed `Verification`.

Only the raw body bytes are signed and verified; a re-serialised payload is a different
payload. The `message` is the guide's wording ("Invalid signature", "Event too old") so it
can be stored as a webhook_events.error_message and matched by the guide's queries; the
`detail` explains the specific cause to a human.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

from console.core.guide_messages import EVENT_TOO_OLD, INVALID_SIGNATURE

Reason = Literal[
    "missing_header",
    "malformed_header",
    "no_v1_signature",
    "timestamp_too_old",
    "timestamp_in_future",
    "no_matching_signature",
]

REASONS: tuple[Reason, ...] = get_args(Reason)

# A real header is ~80 characters per signature; anything this long is not one.
MAX_HEADER_LENGTH = 8_192
_MAX_TIMESTAMP_DIGITS = 12
_HEX = frozenset("0123456789abcdef")
_SIGNATURE_LENGTH = 64  # hex digits of an HMAC-SHA256


class _Revealable(Protocol):
    def reveal(self) -> str: ...


@dataclass(frozen=True)
class Verification:
    """The outcome of verifying one delivery's signature header."""

    ok: bool
    reason: Reason | None
    message: str
    detail: str
    matched_secret_index: int | None = None
    timestamp: int | None = None
    skew_seconds: float | None = None  # now - timestamp: positive means the header is old

    def __bool__(self) -> bool:
        return self.ok


def _signature(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(timestamp).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value Stripe would send for this body: `t=…,v1=…`."""
    return f"t={int(timestamp)},v1={_signature(bytes(payload), secret, int(timestamp))}"


def _reveal(secret: object) -> str:
    """The secret's text; '' (never matches) for anything that is not a usable secret."""
    if isinstance(secret, str):
        return secret
    reveal = getattr(secret, "reveal", None)
    value = reveal() if callable(reveal) else ""
    return value if isinstance(value, str) else ""


def _fail(
    reason: Reason,
    detail: str,
    *,
    timestamp: int | None = None,
    skew: float | None = None,
    matched: int | None = None,
) -> Verification:
    message = EVENT_TOO_OLD if reason == "timestamp_too_old" else INVALID_SIGNATURE
    return Verification(
        ok=False,
        reason=reason,
        message=message,
        detail=detail,
        matched_secret_index=matched,
        timestamp=timestamp,
        skew_seconds=skew,
    )


def _parse(header: str) -> tuple[int | None, list[str], bool]:
    """(timestamp, v1 values, well_formed) from `t=…,v1=…,v0=…`; never raises."""
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return None, [], False
        if key == "t" and timestamp is None:
            value = value.strip()
            if not value.isascii() or not value.isdigit() or len(value) > _MAX_TIMESTAMP_DIGITS:
                return None, [], False
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.strip())
    return timestamp, signatures, timestamp is not None


def verify(
    payload: bytes,
    header: str | bytes | None,
    secrets: Sequence[str | _Revealable],
    *,
    tolerance_seconds: int,
    now: float | None = None,
) -> Verification:
    """Check a delivery's header against every configured secret; never raises.

    The signature is checked before the timestamp, so a stale but genuine delivery is
    reported as `timestamp_too_old` with the secret that signed it (which tells an operator
    it is the clock, not the secret).
    """
    current = time.time() if now is None else float(now)
    if header is None or (isinstance(header, str | bytes) and not header.strip()):
        return _fail("missing_header", "no Stripe-Signature header on the request")
    if isinstance(header, bytes):
        header = header.decode("utf-8", errors="replace")
    if not isinstance(header, str):
        return _fail("malformed_header", f"header is a {type(header).__name__}, not text")
    if len(header) > MAX_HEADER_LENGTH:
        return _fail("malformed_header", f"header is {len(header)} characters long")
    timestamp, candidates, well_formed = _parse(header)
    if not well_formed or timestamp is None:
        return _fail("malformed_header", "header has no numeric t= timestamp or a bad item")
    skew = current - timestamp
    if not candidates:
        return _fail(
            "no_v1_signature", "header carries no v1= signature", timestamp=timestamp, skew=skew
        )
    body = bytes(payload) if not isinstance(payload, str) else payload.encode("utf-8")
    usable = [
        c.lower().encode("ascii")
        for c in candidates
        if len(c) == _SIGNATURE_LENGTH and set(c.lower()) <= _HEX
    ]
    matched: int | None = None
    for index, secret in enumerate(secrets):
        key = _reveal(secret).strip()
        if not key:  # an empty secret would let anyone sign
            continue
        expected = _signature(body, key, timestamp).encode("ascii")
        # Compare against every candidate (no early exit) so timing says nothing.
        hits = [hmac.compare_digest(expected, c) for c in usable]
        if any(hits) and matched is None:
            matched = index
    if matched is None:
        why = "no configured signing secret" if not secrets else "no configured secret matches"
        return _fail(
            "no_matching_signature",
            f"{why} the v1 signature(s) of this body",
            timestamp=timestamp,
            skew=skew,
        )
    if skew > tolerance_seconds:
        return _fail(
            "timestamp_too_old",
            f"signature timestamp is {skew:.0f} s old (tolerance {tolerance_seconds} s)",
            timestamp=timestamp,
            skew=skew,
            matched=matched,
        )
    if -skew > tolerance_seconds:
        return _fail(
            "timestamp_in_future",
            f"signature timestamp is {-skew:.0f} s in the future "
            f"(tolerance {tolerance_seconds} s): clock skew",
            timestamp=timestamp,
            skew=skew,
            matched=matched,
        )
    return Verification(
        ok=True,
        reason=None,
        message="ok",
        detail=f"signed with configured secret #{matched + 1}",
        matched_secret_index=matched,
        timestamp=timestamp,
        skew_seconds=skew,
    )
