"""Access to the signature module (`console.checks.signature`), imported lazily.

The signature module is built on another branch; until it is merged here, a minimal
stand-in with the same `sign`/`verify` contract is used so the checks work and are tested.
Once `console.checks.signature` exists it always wins and the stand-in is dead code
(delete `_fallback_sign`/`_fallback_verify` then).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` header value (`t=…,v1=…`) for this body and secret."""
    return _signer()(payload, secret, timestamp)


def verify(
    payload: bytes,
    header: str | bytes | None,
    secrets: Sequence[Any],
    *,
    tolerance_seconds: int,
    now: float | None = None,
) -> Any:
    """A Verification(ok, reason, message, matched_secret_index, timestamp, skew_seconds)."""
    return _verifier()(payload, header, secrets, tolerance_seconds=tolerance_seconds, now=now)


def _signer() -> Callable[[bytes, str, int], str]:
    try:
        from console.checks.signature import sign as real_sign  # type: ignore[import-not-found]
    except ImportError:
        return _fallback_sign
    return real_sign  # type: ignore[no-any-return]


def _verifier() -> Callable[..., Any]:
    try:
        from console.checks.signature import verify as real_verify  # type: ignore[import-not-found]
    except ImportError:
        return _fallback_verify
    return real_verify  # type: ignore[no-any-return]


# --- stand-in until console.checks.signature is merged -------------------------------


def _hmac(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(int(timestamp)).encode("ascii") + b"." + bytes(payload)
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def _fallback_sign(payload: bytes, secret: str, timestamp: int) -> str:
    return f"t={int(timestamp)},v1={_hmac(payload, secret, timestamp)}"


@dataclass(frozen=True)
class _Verification:
    ok: bool
    reason: str | None
    message: str
    detail: str
    matched_secret_index: int | None = None
    timestamp: int | None = None
    skew_seconds: float | None = None


def _fallback_verify(
    payload: bytes,
    header: str | bytes | None,
    secrets: Sequence[Any],
    *,
    tolerance_seconds: int,
    now: float | None = None,
) -> _Verification:
    current = time.time() if now is None else float(now)
    if isinstance(header, bytes):
        header = header.decode("utf-8", errors="replace")
    if not header or not header.strip():
        return _Verification(False, "missing_header", "Invalid signature", "no header")
    if len(header) > 8192:
        return _Verification(False, "malformed_header", "Invalid signature", "header too long")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return _Verification(False, "malformed_header", "Invalid signature", "bad item")
        value = value.strip()
        if key == "t" and timestamp is None:
            if not (value.isascii() and value.isdigit() and len(value) <= 12):
                return _Verification(False, "malformed_header", "Invalid signature", "bad t=")
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value.lower())
    if timestamp is None:
        return _Verification(False, "malformed_header", "Invalid signature", "no t=")
    skew = current - timestamp
    if not candidates:
        return _Verification(
            False, "no_v1_signature", "Invalid signature", "no v1=", None, timestamp, skew
        )
    matched: int | None = None
    for index, secret in enumerate(secrets):
        value = secret if isinstance(secret, str) else secret.reveal()
        expected = _hmac(bytes(payload), value, timestamp)
        hits = [hmac.compare_digest(expected, c) for c in candidates if c.isascii()]
        if any(hits) and matched is None:
            matched = index
    if matched is None:
        return _Verification(
            False, "no_matching_signature", "Invalid signature", "no match", None, timestamp, skew
        )
    if skew > tolerance_seconds:
        return _Verification(
            False, "timestamp_too_old", "Event too old", "old", matched, timestamp, skew
        )
    if -skew > tolerance_seconds:
        return _Verification(
            False, "timestamp_in_future", "Invalid signature", "future", matched, timestamp, skew
        )
    return _Verification(True, None, "ok", "ok", matched, timestamp, skew)
