"""Non-SQL checks against real local HTTP servers (aiohttp on 127.0.0.1) and the real DB."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from email.utils import formatdate
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from console.checks.clock import clock_skew
from console.checks.context import CheckContext
from console.checks.http import health_endpoints
from console.checks.http_codes import APPENDIX_A, explain
from console.checks.logs import tail_lines
from console.checks.settings_checks import configuration, tolerance_settings, webhook_secret_format
from console.checks.signature import sign
from console.checks.stripe_test_event import signed_test_event
from console.checks.verify_pasted import verify_pasted_signature
from console.core.config import Secret, Settings
from console.core.db import connect

SECRET = "whsec_" + "a1B2" * 16  # 70 characters, as the Stripe CLI makes them
OTHER = "whsec_" + "Zz9y" * 16


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., object]]:
    """Start an aiohttp app on 127.0.0.1; returns its base URL."""
    servers: list[TestServer] = []

    async def start(routes: list[web.RouteDef]) -> str:
        app = web.Application()
        app.add_routes(routes)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        servers.append(server)
        return str(server.make_url("/"))

    yield start
    for server in servers:
        await server.close()


def stripe_receiver(secret: str, received: list[bytes]) -> list[web.RouteDef]:
    """A receiver that verifies like a real handler, with stripe-python's construct_event."""
    import stripe

    async def webhook(request: web.Request) -> web.Response:
        payload = await request.read()
        received.append(payload)
        try:
            event = stripe.Webhook.construct_event(
                payload.decode("utf-8"), request.headers.get("Stripe-Signature", ""), secret, 300
            )
        except stripe.SignatureVerificationError:
            return web.json_response({"error": "Invalid signature"}, status=400)
        return web.json_response({"received": True, "type": event["type"]})

    return [web.post("/api/webhooks/stripe", webhook)]


def ctx(**settings: object) -> CheckContext:
    allow_live = bool(settings.pop("allow_live", False))
    return CheckContext(settings=Settings(**settings), allow_live=allow_live, http_timeout=2.0)


# --- the signed test event ---------------------------------------------------------------


async def test_signed_test_event_verifies_with_stripe_python(serve) -> None:
    received: list[bytes] = []
    base = await serve(stripe_receiver(SECRET, received))
    result = await signed_test_event(
        ctx(webhook_url=f"{base}api/webhooks/stripe", stripe_webhook_secret=Secret(SECRET))
    )
    assert result.status == "ok", result.summary
    assert result.details["http_status"] == 200
    event = json.loads(received[0])
    assert event["type"] == "test.event"
    assert event["livemode"] is False
    assert event["id"] == result.details["event_id"]


async def test_a_wrong_secret_is_read_with_appendix_a(serve) -> None:
    base = await serve(stripe_receiver(OTHER, []))
    result = await signed_test_event(
        ctx(webhook_url=f"{base}api/webhooks/stripe", stripe_webhook_secret=Secret(SECRET))
    )
    assert result.status == "fail"
    assert "HTTP 400 Bad Request" in result.summary
    assert "Wrong webhook secret, clock skew" in result.summary
    assert "secret differs" in result.summary
    assert SECRET not in json.dumps(result.as_dict())


async def test_live_mode_is_refused_unless_allowed(serve) -> None:
    received: list[bytes] = []
    base = await serve(stripe_receiver(SECRET, received))
    settings = {
        "webhook_url": f"{base}api/webhooks/stripe",
        "stripe_webhook_secret": Secret(SECRET),
        "stripe_secret_key": Secret("sk_live_" + "x" * 24),
    }
    refused = await signed_test_event(ctx(**settings))
    assert refused.status == "skipped"
    assert refused.summary.startswith("refused: STRIPE_SECRET_KEY is a live-mode key")
    assert received == []
    allowed = await signed_test_event(ctx(**settings, allow_live=True))
    assert allowed.status == "ok"
    assert len(received) == 1


@pytest.mark.parametrize(
    ("status", "reading"), [(500, "Database issues, code bugs"), (429, "retry storms")]
)
async def test_error_answers_are_explained(serve, status: int, reading: str) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=status, text="nope\x1b[31m")

    base = await serve([web.post("/hook", broken)])
    result = await signed_test_event(
        ctx(webhook_url=f"{base}hook", stripe_webhook_secret=Secret(SECRET))
    )
    assert result.status == "fail"
    assert reading in result.summary
    assert "\x1b" not in result.details["body"]


async def test_unreachable_endpoint_and_missing_settings_are_clear() -> None:
    closed = await signed_test_event(
        ctx(webhook_url="http://127.0.0.1:9/hook", stripe_webhook_secret=Secret(SECRET))
    )
    assert closed.status == "fail"
    assert closed.summary.startswith("cannot reach http://127.0.0.1:9/hook")
    assert (await signed_test_event(ctx())).status == "skipped"
    no_secret = await signed_test_event(ctx(webhook_url="http://127.0.0.1:9/hook"))
    assert "STRIPE_WEBHOOK_SECRET is not set" in no_secret.summary


def test_appendix_a_is_the_guides_table() -> None:
    assert [c.code for c in APPENDIX_A] == [400, 401, 403, 422, 429, 500, 502, 503]
    assert explain(422) == (
        "HTTP 422 Unprocessable Entity: Invalid state transition "
        "(common causes: Business logic errors, race conditions)"
    )


# --- health endpoints ---------------------------------------------------------------------


async def test_health_endpoints_report_status_latency_and_body(serve) -> None:
    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "db": "up"})

    async def down(request: web.Request) -> web.Response:
        return web.json_response({"status": "maintenance"}, status=503)

    base = await serve([web.get("/h/webhook", ok), web.get("/h/database", down)])
    result = await health_endpoints(
        ctx(health_webhook_url=f"{base}h/webhook", health_database_url=f"{base}h/database")
    )
    assert result.status == "fail"
    webhook, database = result.details["endpoints"]
    assert (webhook["status"], webhook["http_status"]) == ("ok", 200)
    assert webhook["body"] == '{"db":"up","status":"ok"}'
    assert webhook["latency_ms"] >= 0
    assert database["summary"].startswith("HTTP 503 Service Unavailable: System overload")


async def test_a_slow_health_endpoint_is_a_warning(serve) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.3)
        return web.Response(text="fine")

    base = await serve([web.get("/slow", slow)])
    result = await health_endpoints(
        ctx(health_webhook_url=f"{base}slow"), which="webhook", slow_seconds=0.1
    )
    assert result.status == "warn"


async def test_no_health_endpoint_configured_is_skipped() -> None:
    result = await health_endpoints(ctx())
    assert result.status == "skipped"
    assert "HEALTH_WEBHOOK_URL" in result.summary


# --- clock skew -----------------------------------------------------------------------------


async def test_clock_skew_against_the_real_database(db) -> None:
    conn = await connect(db.dsn)
    try:
        good = await clock_skew(CheckContext(settings=Settings(), conn=conn), target="database")
        assert good.status == "ok"
        assert abs(good.details["clocks"][0]["skew_seconds"]) < 1
        # this host's clock 400 s fast: beyond the 300 s tolerance
        fast = CheckContext(settings=Settings(), conn=conn, clock=lambda: time.time() + 400)
        bad = await clock_skew(fast, target="database")
    finally:
        await conn.close()
    assert bad.status == "fail"
    assert "400" in bad.summary or "399" in bad.summary
    assert "WEBHOOK_TOLERANCE_SECONDS=300" in bad.summary


@pytest.mark.parametrize(("offset", "status"), [(0, "ok"), (30, "warn"), (-400, "fail")])
async def test_clock_skew_against_the_endpoints_date_header(
    serve, offset: int, status: str
) -> None:
    async def dated(request: web.Request) -> web.Response:
        return web.Response(
            text="ok", headers={"Date": formatdate(time.time() + offset, usegmt=True)}
        )

    base = await serve([web.get("/health", dated)])
    result = await clock_skew(ctx(health_webhook_url=f"{base}health"), target="endpoint")
    assert result.status == status
    assert abs(result.details["clocks"][0]["skew_seconds"] - offset) < 2.5


# --- secrets and settings -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "status", "words"),
    [
        (SECRET, "ok", "starts with whsec_"),
        ("whsec_" + "k" * 32, "warn", "under the guide's 64+"),
        ("sk_test_" + "k" * 40, "fail", "API key"),
        ("wh_" + "k" * 60, "fail", "does not start with 'whsec_'"),
        (SECRET + "\n", "fail", "copy-paste"),
        ('"' + SECRET + '"', "fail", "copy-paste"),
        ("whsec_abc", "fail", "truncated"),
    ],
)
async def test_webhook_secret_format_never_reveals_the_secret(
    secret: str, status: str, words: str
) -> None:
    result = await webhook_secret_format(ctx(stripe_webhook_secret=Secret(secret)))
    assert result.status == status
    assert words in result.summary
    dumped = json.dumps(result.as_dict())
    assert secret.strip().strip('"') not in dumped
    assert result.details["secrets"][0]["masked"] == Secret(secret).masked


async def test_no_secret_configured_fails() -> None:
    result = await webhook_secret_format(ctx())
    assert result.status == "fail"
    assert "not set" in result.summary


async def test_raised_tolerances_carry_the_guides_security_warning() -> None:
    assert (await tolerance_settings(ctx())).status == "ok"
    raised = await tolerance_settings(
        ctx(webhook_tolerance_seconds=600, max_event_age_seconds=7200)
    )
    assert raised.status == "warn"
    assert raised.summary.count("be careful with security implications") == 2
    tight = await tolerance_settings(ctx(webhook_tolerance_seconds=10))
    assert tight.status == "warn"
    assert "genuine deliveries" in tight.summary


async def test_configuration_lists_missing_variables_and_masks_secrets() -> None:
    result = await configuration(
        ctx(stripe_secret_key=Secret("sk_live_" + "q" * 30), stripe_webhook_secret=Secret(SECRET))
    )
    assert result.status == "warn"
    assert result.details["missing"] == ["SUPABASE_URL", "SUPABASE_SERVICE_ROLE_KEY"]
    assert result.details["stripe_mode"] == "live"
    assert "q" * 30 not in json.dumps(result.as_dict())


# --- pasted header + payload ------------------------------------------------------------


def pasted(header: str, payload: str, *secrets: str, **extra: object) -> CheckContext:
    return CheckContext(
        settings=Settings(
            stripe_webhook_secret=Secret(secrets[0]),
            stripe_webhook_secrets=tuple(Secret(s) for s in secrets[1:]),
            **extra,
        ),
        inputs={"header": header, "payload": payload},
    )


async def test_pasted_header_names_the_matching_secret_and_skew() -> None:
    body = '{"id":"evt_1","type":"payment_intent.succeeded"}'
    header = sign(body.encode(), OTHER, int(time.time()) - 20)
    result = await verify_pasted_signature(pasted(header, body, SECRET, OTHER))
    assert result.status == "ok"
    assert result.details["matched_secret_index"] == 1
    assert "secret #2" in result.summary
    assert 19 <= result.details["skew_seconds"] <= 22
    assert OTHER not in json.dumps(result.as_dict())


async def test_pasted_body_changed_or_old_is_explained() -> None:
    body = '{"id":"evt_1"}'
    header = sign(body.encode(), SECRET, int(time.time()))
    changed = await verify_pasted_signature(pasted(header, '{"id": "evt_1"}', SECRET))
    assert changed.status == "fail"
    assert "byte-for-byte" in changed.summary
    old = sign(body.encode(), SECRET, int(time.time()) - 301)
    stale = await verify_pasted_signature(pasted(old, body, SECRET))
    assert stale.status == "fail"
    assert "not the secret" in stale.summary
    assert stale.details["matched_secret_index"] == 0


INJECTIONS = [
    "'; DROP TABLE webhook_events; --",
    "$$ ; SELECT pg_sleep(10); $$",
    "t=1,v1=" + "'" * 500,
    "t=\u202e1,v1=\U0001f4a5",
    "t=99999999999999999999,v1=00",
    "",
]


@pytest.mark.parametrize("text", INJECTIONS)
async def test_injection_strings_in_pasted_values_are_inert(db, text: str) -> None:
    result = await verify_pasted_signature(pasted(text, text, SECRET))
    assert result.status in ("fail", "skipped")
    assert result.details.get("ok") in (False, None)
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM webhook_events").fetchone()[0] == 0


async def test_a_nul_in_the_pasted_header_is_a_clean_error() -> None:
    result = await verify_pasted_signature(pasted("t=1,\x00v1=ab", "{}", SECRET))
    assert result.status == "error"
    assert "NUL" in result.summary


# --- log tail -------------------------------------------------------------------------------


def test_log_tail_reads_only_the_end_of_a_big_file(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    with log.open("w") as handle:
        for n in range(60_000):
            handle.write(f"INFO line {n} {'x' * 40}\n")
        handle.write("ERROR Invalid signature for evt_9\n")
        handle.write("INFO last\n")
    tail = tail_lines(log, lines=2, pattern="error")
    assert tail.lines == ("ERROR Invalid signature for evt_9",)  # only one match exists
    tail = tail_lines(log, lines=3)
    assert tail.lines[-1] == "INFO last"
    assert tail.scanned_bytes < tail.file_bytes / 10


@pytest.mark.parametrize("pattern", ["'; --", "$$", ".*", "(a+)+$", "💥"])
def test_log_patterns_are_plain_text(tmp_path: Path, pattern: str) -> None:
    log = tmp_path / "app.log"
    log.write_bytes(f"one {pattern} here\nother\n".encode() + b"\xff\xfe binary \x1b[2J\n")
    tail = tail_lines(log, lines=10, pattern=pattern)
    assert tail.lines == (f"one {pattern} here",)
    everything = tail_lines(log, lines=10)
    assert all("\x1b" not in line for line in everything.lines)


def test_missing_or_unreadable_logs_are_results(tmp_path: Path) -> None:
    assert "does not exist" in (tail_lines(tmp_path / "nope.log").problem or "")
    assert "directory" in (tail_lines(tmp_path).problem or "")


def test_importing_the_checks_loads_neither_stripe_nor_aiohttp() -> None:
    code = (
        "import sys\n"
        "from console.checks.registry import default_registry\n"
        "from console.runbooks.checks import step_checks\n"
        "import console.runbooks.model, console.runbooks.run\n"
        "default_registry(), step_checks()\n"
        "print(sorted(m for m in ('stripe', 'aiohttp', 'textual') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"


@settings(max_examples=200, deadline=None)
@given(header=st.text(max_size=200), body=st.text(max_size=100))
def test_fuzzed_pasted_headers_are_never_valid(header: str, body: str) -> None:
    result = asyncio.run(verify_pasted_signature(pasted(header, body, SECRET)))
    assert result.status in ("fail", "skipped", "error")
