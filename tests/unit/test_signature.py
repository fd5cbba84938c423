"""Stripe signatures (RELIABILITY.md lines 1–4), cross-checked with stripe-python."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from console.checks.signature import REASONS, sign, verify
from console.core.config import Secret

SECRET = "whsec_" + "0123456789abcdef" * 2
OTHER = "whsec_" + "fedcba9876543210" * 2
BODY = json.dumps(
    {"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1"}}},
    indent=2,
).encode()
NOW = 1_800_000_000


def check(header: str | bytes | None, *, body: bytes = BODY, secrets=(SECRET,), now=NOW):
    return verify(body, header, secrets, tolerance_seconds=300, now=now)


def test_a_fresh_signature_verifies_and_says_which_secret() -> None:
    result = check(sign(BODY, SECRET, NOW - 10))
    assert result.ok and result.reason is None
    assert result.matched_secret_index == 0
    assert result.timestamp == NOW - 10
    assert result.skew_seconds == 10


def test_stripe_python_accepts_what_we_sign_and_we_accept_what_it_signs() -> None:
    stripe = pytest.importorskip("stripe", reason="stripe-python is the reference")
    ts = int(time.time())
    ours = sign(BODY, SECRET, ts)
    assert stripe.WebhookSignature.verify_header(BODY, ours, SECRET, tolerance=300)
    event = stripe.Webhook.construct_event(BODY, ours, SECRET, tolerance=300)
    assert event["id"] == "evt_1"
    theirs = stripe.WebhookSignature.generate_signature_header(BODY.decode(), SECRET, ts)
    assert theirs == ours
    assert verify(BODY, theirs, [SECRET], tolerance_seconds=300).ok


# RELIABILITY 2: 301 s either side is rejected, exactly at the tolerance is accepted.
@pytest.mark.parametrize(
    ("offset", "reason", "message"),
    [
        (-301, "timestamp_too_old", "Event too old"),
        (301, "timestamp_in_future", "Invalid signature"),
    ],
)
def test_timestamps_outside_the_tolerance_are_rejected_both_ways(offset, reason, message) -> None:
    result = check(sign(BODY, SECRET, NOW + offset))
    assert not result.ok
    assert result.reason == reason
    assert result.message == message
    assert result.matched_secret_index == 0  # genuine, just stale: it's the clock
    assert result.skew_seconds == -offset


@pytest.mark.parametrize("offset", [-300, 300])
def test_timestamps_at_the_tolerance_edge_are_accepted(offset) -> None:
    assert check(sign(BODY, SECRET, NOW + offset)).ok


def test_stripe_python_misses_the_future_timestamp_we_reject() -> None:
    stripe = pytest.importorskip("stripe", reason="stripe-python is the reference")
    future = int(time.time()) + 301
    header = sign(BODY, SECRET, future)
    assert stripe.WebhookSignature.verify_header(BODY, header, SECRET, tolerance=300)
    assert verify(BODY, header, [SECRET], tolerance_seconds=300).reason == "timestamp_in_future"


# RELIABILITY 3: only the raw bytes are verified.
@pytest.mark.parametrize(
    "altered",
    [
        BODY[:-1] + bytes([BODY[-1] ^ 1]),  # one byte
        BODY + b"\n",  # whitespace
        BODY.replace(b"  ", b" "),  # whitespace inside
        json.dumps(json.loads(BODY)).encode(),  # re-serialised
        json.dumps(json.loads(BODY), separators=(",", ":")).encode(),
    ],
)
def test_an_altered_payload_is_rejected(altered: bytes) -> None:
    assert altered != BODY
    result = check(sign(BODY, SECRET, NOW), body=altered)
    assert not result.ok
    assert result.reason == "no_matching_signature"
    assert result.message == "Invalid signature"


# RELIABILITY 4: rotation.
def test_two_v1_values_one_valid_is_accepted() -> None:
    old = sign(BODY, OTHER, NOW).split("v1=")[1]
    new = sign(BODY, SECRET, NOW)
    assert check(f"{new},v1={old}").ok
    assert check(f"t={NOW},v1={old},v1={new.split('v1=')[1]}").ok


def test_wrong_secret_is_rejected_and_a_rotated_secret_is_named() -> None:
    header = sign(BODY, OTHER, NOW)
    wrong = check(header)
    assert not wrong.ok and wrong.reason == "no_matching_signature"
    assert wrong.matched_secret_index is None
    rotated = check(header, secrets=(SECRET, Secret(OTHER)))
    assert rotated.ok and rotated.matched_secret_index == 1


def test_no_secret_configured_is_never_valid() -> None:
    assert check(sign(BODY, SECRET, NOW), secrets=()).reason == "no_matching_signature"
    # an empty configured secret must not accept bodies signed with the empty key
    assert not check(sign(BODY, "", NOW), secrets=("", "  ", None)).ok
    assert check(sign(BODY, SECRET, NOW), secrets=("", SECRET)).matched_secret_index == 1


# RELIABILITY 1: fuzzed headers give a typed error, never a crash, never "valid".
@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing_header"),
        ("", "missing_header"),
        ("   ", "missing_header"),
        ("v1=abc", "malformed_header"),
        ("t=abc,v1=00", "malformed_header"),
        ("t=-5,v1=00", "malformed_header"),
        ("t=1e9,v1=00", "malformed_header"),
        ("t=١٢٣,v1=00", "malformed_header"),  # non-ASCII digits
        ("garbage", "malformed_header"),
        (f"t={NOW}", "no_v1_signature"),
        (f"t={NOW},v0=deadbeef", "no_v1_signature"),
        (b"\xff\xfe\x00t=1", "malformed_header"),
        ("t=" + "9" * 100_000, "malformed_header"),
        ("t=1," + "v1=" + "a" * 64 + "," * 10_000, "malformed_header"),
        (f"t={NOW},v1=" + "é" * 64, "no_matching_signature"),
    ],
)
def test_broken_headers_give_typed_reasons(header, reason) -> None:
    result = check(header)
    assert not result.ok
    assert result.reason == reason
    assert result.message == "Invalid signature"


@settings(max_examples=300, deadline=None)
@given(
    header=st.one_of(
        st.none(),
        st.text(max_size=300),
        st.binary(max_size=300),
        st.builds(
            lambda t, sig: f"t={t},v1={sig}",
            st.text(max_size=20),
            st.text(alphabet="0123456789abcdefABCDEF", max_size=70),
        ),
    ),
    body=st.binary(max_size=200),
)
def test_fuzzed_headers_never_crash_and_never_verify(header, body) -> None:
    result = verify(body, header, [SECRET], tolerance_seconds=300, now=NOW)
    assert not result.ok
    assert result.reason in REASONS
    assert result.message in ("Invalid signature", "Event too old")
