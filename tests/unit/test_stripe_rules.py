"""The Stripe side's rules that need no server: windows, keys, delivery verdicts, the
resend commands."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from console.stripe.delivery import judge
from console.stripe.keys import StripeKeyRefused, check_key, scrub
from console.stripe.plan import resend_commands
from console.stripe.window import WindowError, make_window

NOW = 1_900_000_000.0


def test_since_is_a_window_up_to_now() -> None:
    window = make_window("2h", now=NOW)
    assert window.lte == int(NOW) and window.gte == int(NOW) - 7200
    assert not window.clipped and window.notes == ()


def test_a_window_past_thirty_days_is_cut_and_says_so() -> None:
    window = make_window("45d", now=NOW)
    assert window.clipped
    assert window.start == datetime.fromtimestamp(NOW, UTC) - timedelta(days=30)
    assert any("30 days" in note for note in window.notes)
    assert any("3 days" in note for note in window.notes)


def test_a_window_entirely_older_than_thirty_days_is_refused() -> None:
    start = datetime.fromtimestamp(NOW, UTC) - timedelta(days=40)
    with pytest.raises(WindowError, match="30 days"):
        make_window(start=start.isoformat(), end=(start + timedelta(days=2)).isoformat(), now=NOW)


def test_from_and_to_accept_iso_and_unix_times_in_utc() -> None:
    window = make_window(start="2030-03-17T17:00:00", end=str(int(NOW) - 60), now=NOW)
    assert window.start == datetime(2030, 3, 17, 17, 0, tzinfo=UTC)
    assert window.lte == int(NOW) - 60


@pytest.mark.parametrize(
    ("since", "start", "end", "message"),
    [
        ("2h", "2030-03-17T17:00:00Z", None, "not both"),
        (None, None, "2030-03-17T17:00:00Z", "--to needs --from"),
        ("two hours", None, None, "duration"),
        (None, "yesterday", None, "--from expects"),
        (None, "2030-03-17T19:00:00Z", "2030-03-17T18:00:00Z", "empty"),
    ],
)
def test_bad_windows_say_what_to_type(since, start, end, message) -> None:
    with pytest.raises(WindowError, match=message):
        make_window(since, start, end, now=NOW)


def test_live_keys_need_live_and_stay_masked() -> None:
    key = "sk_live_" + "Z9" * 12
    with pytest.raises(StripeKeyRefused) as caught:
        check_key(key)
    assert key not in str(caught.value) and "sk_live_…" in str(caught.value)
    info = check_key(key, live=True)
    assert info.live and info.kind == "secret" and key not in repr(info)


def test_restricted_test_keys_are_fine_and_scrub_masks_keys_in_text() -> None:
    info = check_key("rk_test_" + "a1" * 12)
    assert (info.kind, info.mode, info.notes()) == ("restricted", "test", ())
    text = "Invalid API Key provided: rk_test_" + "b2" * 12 + " and whsec_" + "c" * 32
    cleaned = scrub(text)
    assert "b2b2b2" not in cleaned and "cccccccc" not in cleaned
    assert "rk_test_…" in cleaned and "whsec_…" in cleaned


def _body(**fields: object) -> bytes:
    return json.dumps(fields).encode()


@pytest.mark.parametrize(
    ("status", "body", "verdict"),
    [
        (200, _body(received=True, note="processed"), "delivered"),
        (200, _body(received=True, note="duplicate"), "duplicate"),
        (200, _body(received=True, note="already queued"), "queued"),
        (422, _body(error="Invalid state transition"), "rejected"),
        (400, _body(error="Event too old"), "rejected"),
        (400, _body(error="Invalid signature"), "systematic"),
        (400, _body(error="Malformed request"), "systematic"),
        (429, _body(error="Rate limit exceeded"), "systematic"),
        (500, _body(error="Database connection failed"), "systematic"),
        (503, b"<html>bad gateway</html>", "systematic"),
        (404, b"", "systematic"),
    ],
)
def test_answers_are_judged_per_event_or_systematic(status, body, verdict) -> None:
    assert judge(status, body).verdict == verdict


def test_a_rejected_signature_names_the_secret_setting() -> None:
    assert "STRIPE_WEBHOOK_SECRET" in judge(400, _body(error="Invalid signature")).detail


def test_resend_commands_are_the_stripe_cli_s() -> None:
    assert resend_commands(["evt_1", "evt_2"], webhook_endpoint="we_123") == [
        "stripe events resend evt_1 --webhook-endpoint=we_123",
        "stripe events resend evt_2 --webhook-endpoint=we_123",
    ]
    [live] = resend_commands(["evt_3"], live=True)
    assert live.endswith("--webhook-endpoint=we_YOUR_ENDPOINT_ID --live")


def test_the_default_window_is_the_last_two_hours() -> None:
    window = make_window()
    assert abs(window.lte - time.time()) < 5 and window.lte - window.gte == 7200
