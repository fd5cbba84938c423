"""Running steps on a real PostgreSQL: verdicts on crafted data, read-only guarantees, and
every read-only step of every shipped runbook."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from support.runbook_helpers import make_query, seed, seed_failing_events, whole_catalogue

from console.checks.signature import sign
from console.core.config import Secret, Settings
from console.core.db import SessionLimits, connect
from console.queries import catalogue
from console.runbooks.checks import step_checks
from console.runbooks.loader import load_runbooks
from console.runbooks.model import (
    ActionStep,
    CommandStep,
    ErrorPattern,
    LogStep,
    ManualStep,
    QueryStep,
)
from console.runbooks.run import StepContext, StepResult, run_step
from console.runbooks.verdict import parse_verdict_rule
from console.sim.stripe_api import DEMO_RESTRICTED_KEY, StripeApi

SECRET = "whsec_" + "r7Kq" * 16


def _rules(*raw: dict) -> tuple:
    return tuple(parse_verdict_rule(r) for r in raw)


def query_step(step_id: str, query: str, **fields) -> QueryStep:
    """A query step written inside a test, titled by its id unless told otherwise."""
    fields.setdefault("title", step_id)
    return QueryStep(id=step_id, kind="query", query=query, **fields)


ERROR_RATE_STEP = query_step(
    "rate",
    "diagnostics/error_rate",
    title="error rate",
    params={"window": "5 minutes"},
    verdicts=_rules(
        {"when": "max(error_percent) > 5", "verdict": "fail", "say": "over 5 %"},
        {"when": "max(error_percent) > 1", "verdict": "warn", "say": "over 1 %"},
    ),
    ok="fine",
)


@asynccontextmanager
async def step_context(
    db, limits: SessionLimits | None = None, **kwargs
) -> AsyncIterator[StepContext]:
    """A StepContext on its own connection to `db`, closed when the block ends."""
    conn = await connect(db.dsn, limits=limits)
    kwargs.setdefault("catalogue", catalogue())
    try:
        yield StepContext(settings=Settings(), conn=conn, checks=step_checks(), **kwargs)
    finally:
        await conn.close()


async def run_alone(db, step, **kwargs) -> StepResult:
    """`step` run once in a fresh step_context."""
    async with step_context(db, **kwargs) as context:
        return await run_step(step, context)


def seeded(db) -> None:
    """`seed` committed in `db`."""
    with db.connect() as conn:
        seed(conn)


@pytest.mark.parametrize(
    ("failed", "status", "verdict"),
    [(10, "fail", "over 5 %"), (3, "warn", "over 1 %"), (0, "ok", "fine")],
)
async def test_verdict_rules_judge_crafted_data(
    any_db, failed: int, status: str, verdict: str
) -> None:
    with any_db.connect() as conn:
        seed_failing_events(conn, failed)
    result = await run_alone(any_db, ERROR_RATE_STEP)
    assert (result.status, result.verdict) == (status, verdict)
    assert result.columns == ("total_events", "failed_events", "error_percent")
    assert result.rows[0]["total_events"] == 100
    assert result.duration > 0


async def test_payment_events_waiting_over_five_minutes_fail_the_p0_step(any_db) -> None:
    seeded(any_db)
    step = query_step(
        "stalled",
        "diagnostics/stalled_events",
        verdicts=_rules({"when": "rows > 0", "verdict": "fail", "say": "payments waiting"}),
    )
    result = await run_alone(any_db, step)
    assert result.status == "fail"
    # evt_1 (30 s old) is not stalled; evt_wait (20 min) is.
    assert [r["stalled_events"] for r in result.rows] == [1]


async def test_a_step_cannot_write_even_if_it_turns_read_only_off(db) -> None:
    writes = {
        "diagnostics/t_write": make_query(
            "diagnostics/t_write", "UPDATE orders SET state = 'hacked' RETURNING id"
        ),
        "diagnostics/t_flip": make_query(
            "diagnostics/t_flip",
            "SET transaction_read_only = off; UPDATE orders SET state = 'hacked'",
        ),
    }
    seeded(db)
    async with step_context(db, catalogue=writes) as context:
        for name in writes:
            step = query_step("w", name)
            result = await run_step(step, context)
            assert result.status == "error", name
            assert result.error
        # the connection is still usable after the failed steps
        ok = await run_step(ERROR_RATE_STEP, replace(context, catalogue=catalogue()))
        assert ok.status in ("ok", "warn", "fail")
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM orders WHERE state = 'hacked'").fetchone()[0] == 0


INJECTIONS = ["'; DROP TABLE orders; --", "$$; DELETE FROM orders; $$", "%' OR 1=1 --", "💥\u202e"]


@pytest.mark.parametrize("value", INJECTIONS)
async def test_injection_strings_in_step_params_are_bound_values(db, value: str) -> None:
    seeded(db)
    step = query_step(
        "p",
        "diagnostics/stalled_events",
        params={"event_types": value},
    )
    result = await run_alone(db, step)
    assert result.status == "ok"
    assert result.row_count == 0
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 4


async def test_error_patterns_come_from_the_settings(db) -> None:
    with db.connect() as conn:
        conn.execute(
            "INSERT INTO webhook_events (event_id, event_type, error_message) "
            "VALUES ('evt_a', 'x', 'Bad sig from proxy'), ('evt_c', 'x', 'BAD SIG'), "
            "('evt_b', 'x', 'Invalid signature')"
        )
    counting = {
        "diagnostics/t_matching": make_query(
            "diagnostics/t_matching",
            "SELECT count(*) AS n FROM webhook_events WHERE error_message ILIKE %(pattern)s",
        )
    }
    step = query_step(
        "s",
        "diagnostics/t_matching",
        params={"pattern": ErrorPattern("signature")},
    )
    async with step_context(db, catalogue=counting) as context:
        guide = await run_step(step, context)
        ours = await run_step(
            step,
            replace(context, settings=Settings(error_patterns={"signature": "%bad sig%"})),
        )
    assert guide.rows == ({"n": 1},)  # the guide's '%signature%'
    assert ours.rows == ({"n": 2},)
    assert guide.status == ours.status == "ok"


async def test_a_query_needing_a_missing_optional_table_is_skipped_with_the_reason(db) -> None:
    with db.connect() as conn:
        conn.execute("DROP TABLE notifications")
    needs = {
        "diagnostics/t_notes": make_query(
            "diagnostics/t_notes",
            "SELECT count(*) AS n FROM notifications",
            requires="notifications",
        )
    }
    async with step_context(db, catalogue=needs) as context:
        result = await run_step(query_step("n", "diagnostics/t_notes"), context)
    assert result.status == "skipped"
    assert "notifications" in result.verdict
    assert result.ran is False


async def test_an_action_step_shows_its_preview_and_changes_nothing(db) -> None:
    seeded(db)
    fake = {
        "recovery/t_reset": make_query(
            "recovery/t_reset",
            "UPDATE orders SET state = 'pending_payment' WHERE state = 'pending'",
        ),
        "recovery/t_reset_preview": make_query(
            "recovery/t_reset_preview", "SELECT id, state FROM orders WHERE state = 'pending'"
        ),
    }
    step = ActionStep(id="a", kind="action", title="reset", action="recovery/t_reset")
    result = await run_alone(db, step, catalogue=fake)
    assert result.status == "skipped"
    assert result.ran is False
    assert "not run here" in result.verdict
    assert "1 row(s) would be touched" in result.verdict
    assert result.details == {"action": "recovery/t_reset", "preview": "recovery/t_reset_preview"}
    assert result.rows[0]["state"] == "pending"
    with db.connect() as conn:
        assert (
            conn.execute("SELECT count(*) FROM orders WHERE state = 'pending'").fetchone()[0] == 1
        )


async def test_command_steps_run_only_when_configured_allowed_and_confirmed(tmp_path: Path) -> None:
    marker = tmp_path / "restarted"
    settings = Settings(
        service_commands={
            "hello": (sys.executable, "-c", "print('service is running')"),
            "restart": (sys.executable, "-c", f"open({str(marker)!r}, 'w').write('x')"),
            "hang": (sys.executable, "-c", "import time; time.sleep(30)"),
        }
    )
    hello = CommandStep(id="hello", kind="command", title="status", command="hello")
    restart = CommandStep(
        id="restart", kind="command", title="restart", command="restart", changes_state=True
    )
    missing = CommandStep(
        id="m", kind="command", title="m", command="absent", guide_argv=("systemctl", "status", "x")
    )
    hang = CommandStep(id="hang", kind="command", title="hang", command="hang", timeout_seconds=0.5)

    headless = StepContext(settings=settings)
    assert (await run_step(hello, headless)).status == "skipped"
    not_configured = await run_step(missing, headless)
    assert not_configured.status == "skipped"
    assert "systemctl status x" in not_configured.verdict

    allowed = StepContext(settings=settings, run_commands=True)
    ran = await run_step(hello, allowed)
    assert (ran.status, ran.rows) == ("ok", ({"line": "service is running"},))
    refused = await run_step(restart, allowed)
    assert refused.status == "skipped"
    assert "confirmation" in refused.verdict
    assert not marker.exists()

    confirmed = StepContext(settings=settings, run_commands=True, confirmed=frozenset({"restart"}))
    assert (await run_step(restart, confirmed)).status == "ok"
    assert marker.exists()

    timed_out = await run_step(hang, allowed)
    assert timed_out.status == "error"
    assert "killed" in timed_out.verdict


async def test_manual_escalation_names_the_people_from_settings() -> None:
    settings = Settings(escalation={"security": ("Ana (auditor)", "Bo", "Cy")})
    step = ManualStep(id="e", kind="manual", title="escalate", escalate="security")
    result = await run_step(step, StepContext(settings=settings))
    assert result.status == "skipped"
    assert result.verdict == "escalation for security issues: L1 Ana (auditor), L2 Bo, L3 Cy"


async def test_log_step_with_a_missing_file_is_a_clear_skip(tmp_path: Path) -> None:
    step = LogStep(id="l", kind="log", title="log", source="app", pattern="ERROR")
    settings = Settings(log_sources={"app": str(tmp_path / "nope.log")})
    result = await run_step(step, StepContext(settings=settings))
    assert result.status == "skipped"
    assert "does not exist" in result.verdict


async def test_log_step_shows_matching_lines(tmp_path: Path) -> None:
    log = tmp_path / "webhook.log"
    log.write_text("INFO ok\nERROR Invalid signature\nINFO ok\nerror lower case\n")
    step = LogStep(id="l", kind="log", title="log", source="app", pattern="ERROR")
    result = await run_step(step, StepContext(settings=Settings(log_sources={"app": str(log)})))
    assert [r["line"] for r in result.rows] == ["ERROR Invalid signature", "error lower case"]


@pytest.fixture(scope="module")
def shipped_runbooks() -> dict:
    return load_runbooks(catalogue=whole_catalogue())


async def _world(tmp_path: Path) -> tuple[TestServer, Settings]:
    """A real endpoint (verifying with stripe-python), health URLs and log files."""
    import stripe

    async def webhook(request: web.Request) -> web.Response:
        try:
            stripe.Webhook.construct_event(
                (await request.read()).decode(), request.headers["Stripe-Signature"], SECRET, 300
            )
        except (stripe.SignatureVerificationError, KeyError):
            return web.json_response({"error": "Invalid signature"}, status=400)
        return web.json_response({"received": True})

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    stripe_api = StripeApi()  # Stripe's Events API, for the reconciliation steps
    app = web.Application()
    app.add_routes(
        [
            web.post("/api/webhooks/stripe", webhook),
            web.get("/api/health/webhook", health),
            web.get("/api/health/database", health),
            web.get("/v1/events", stripe_api.handle_list),
            web.get("/v1/events/{event_id}", stripe_api.handle_retrieve),
        ]
    )
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    (tmp_path / "app.log").write_text("INFO start\nERROR Invalid signature\nWARN replay\n")
    (tmp_path / "pg.log").write_text("LOG webhook insert\nFATAL too many connections\n")
    settings = Settings(
        stripe_secret_key=Secret(DEMO_RESTRICTED_KEY),
        stripe_api_base=str(server.make_url("")).rstrip("/"),
        webhook_url=str(server.make_url("/api/webhooks/stripe")),
        health_webhook_url=str(server.make_url("/api/health/webhook")),
        health_database_url=str(server.make_url("/api/health/database")),
        stripe_webhook_secret=Secret(SECRET),
        log_sources={"app": str(tmp_path / "app.log"), "postgresql": str(tmp_path / "pg.log")},
    )
    return server, settings


@pytest.mark.timeout(120)
async def test_every_read_only_step_of_every_runbook_runs(
    any_db, shipped_runbooks, tmp_path: Path
) -> None:
    seeded(any_db)
    server, settings = await _world(tmp_path)
    body = '{"id":"evt_pasted","type":"payment_intent.succeeded"}'
    pasted = {"header": sign(body.encode(), SECRET, int(time.time())), "payload": body}
    inputs = {
        step.id: pasted
        for runbook in shipped_runbooks.values()
        for step in runbook.steps
        if getattr(step, "check", None) == "verify_pasted_signature"
    }
    problems: list[str] = []
    ran = 0
    try:
        async with step_context(
            any_db, catalogue=whole_catalogue(), http_timeout=2.0, inputs=inputs
        ) as context:
            context = replace(context, settings=settings)
            for runbook in shipped_runbooks.values():
                for step in runbook.steps:
                    result = await run_step(step, context)
                    where = f"{runbook.id}/{step.id}: {result.status} {result.verdict}"
                    if not step.read_only:
                        assert result.ran is False, where
                    elif result.status == "error":
                        problems.append(where)
                    elif result.status == "skipped" and "pg_stat_statements" not in result.verdict:
                        problems.append(where)  # only the optional extension may be missing
                    else:
                        ran += 1
    finally:
        await server.close()
    assert problems == []
    assert ran > 100


async def test_a_query_without_parameters_keeps_its_literal_percent_signs(db) -> None:
    like = {
        "diagnostics/t_like": make_query(
            "diagnostics/t_like",
            "SELECT count(*) AS n FROM webhook_events WHERE error_message LIKE '%signature%'",
        )
    }
    with db.connect() as conn:
        conn.execute(
            "INSERT INTO webhook_events (event_id, event_type, error_message) "
            "VALUES ('evt_1', 'x', 'Invalid signature')"
        )
    step = query_step("l", "diagnostics/t_like")
    result = await run_alone(db, step, catalogue=like)
    assert (result.status, result.rows) == ("ok", ({"n": 1},))


async def test_a_nul_in_a_parameter_is_a_clean_step_error(db) -> None:
    step = query_step(
        "p",
        "diagnostics/stalled_events",
        params={"event_types": "payment\x00%"},
    )
    async with step_context(db) as context:
        result = await run_step(step, context)
        after = await run_step(ERROR_RATE_STEP, context)
    assert result.status == "error"
    assert "NUL" in result.verdict
    assert "\n" not in result.verdict
    assert after.status == "ok"  # the connection is still usable


async def test_a_slow_query_hits_the_statement_timeout_and_the_connection_survives(db) -> None:
    slow = {"diagnostics/t_slow": make_query("diagnostics/t_slow", "SELECT pg_sleep(3) AS s")}
    limits = SessionLimits(statement_timeout_ms=200)
    async with step_context(db, limits=limits, catalogue={**catalogue(), **slow}) as context:
        result = await run_step(query_step("s", "diagnostics/t_slow"), context)
        after = await run_step(ERROR_RATE_STEP, context)
    assert result.status == "error"
    assert "statement timeout" in result.verdict
    assert result.duration < 2
    assert after.status == "ok"
