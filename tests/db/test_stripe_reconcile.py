"""Reconciliation against a real database: Stripe's events sorted into missing, failed,
unprocessed and processed exactly, by the library and by `incident-console reconcile`."""

# ruff: noqa: F811  (stripe_world is a fixture imported from support)
from __future__ import annotations

import asyncio
import json

import pytest
from support.sim_helpers import WRONG, query
from support.stripe_world import StripeWorld, cli_env, stripe_world  # noqa: F401

from console import cli
from console.core.config import Secret
from console.core.db import connect
from console.stripe.reconcile import MEANINGS, reconcile
from console.stripe.window import make_window


async def _mixed(world: StripeWorld) -> dict[str, list[str]]:
    """3 processed, 2 failed (bad signature), 1 unprocessed (processor down), 4 missing."""
    ids: dict[str, list[str]] = {"processed": [], "failed": [], "unprocessed": [], "missing": []}
    for _ in range(3):
        event = world.new_event()
        assert await world.send(event) == 200
        ids["processed"].append(event["id"])
    for _ in range(2):
        event = world.new_event()
        assert await world.send(event, secret=WRONG) == 400
        ids["failed"].append(event["id"])
    world.faults.set("processor_down", True)
    event = world.new_event()
    assert await world.send(event) == 200
    world.faults.set("processor_down", False)
    ids["unprocessed"].append(event["id"])
    for kind in ("payment_intent.succeeded",) * 3 + ("payment_intent.payment_failed",):
        event = world.new_event(kind)
        world.miss(event)
        ids["missing"].append(event["id"])
    return ids


async def test_each_event_lands_in_exactly_one_class(stripe_world: StripeWorld) -> None:
    ids = await _mixed(stripe_world)
    # a processed event delivered twice is still one processed event
    assert await stripe_world.send(stripe_world.sent[0]) == 200
    conn = await connect(stripe_world.dsn)
    try:
        rec = await reconcile(conn, stripe_world.events_api(), make_window("1h"))
    finally:
        await conn.close()
    assert rec.complete
    assert rec.counts() == {"missing": 4, "failed": 2, "unprocessed": 1, "processed": 3}
    for klass, expected in ids.items():
        assert sorted(e.id for e in rec.by_class[klass]) == sorted(expected)
    assert rec.by_type() == {
        "payment_intent.payment_failed": {
            "missing": 1,
            "failed": 0,
            "unprocessed": 0,
            "processed": 0,
        },
        "payment_intent.succeeded": {"missing": 3, "failed": 2, "unprocessed": 1, "processed": 3},
    }
    [failed, _] = rec.by_class["failed"]
    assert failed.last_error == "Invalid signature" and failed.copies == 1
    assert [e.id for e in rec.redeliverable()] == ids["failed"] + ids["missing"]
    document = rec.to_json()
    assert document["counts"]["missing"] == 4 and document["redeliverable"] == 6
    assert document["classes"]["missing"]["meaning"] == MEANINGS["missing"]
    assert {s["id"] for s in document["classes"]["missing"]["sample"]} == set(ids["missing"])
    assert document["stripe"]["key"].startswith("rk_test_…")


async def test_rows_stripe_does_not_know_and_the_type_filter_change_nothing(
    stripe_world: StripeWorld,
) -> None:
    ids = await _mixed(stripe_world)
    # history the database holds from before: Stripe never lists it, it is not counted
    query(
        stripe_world.dsn,
        "INSERT INTO webhook_events (event_id, event_type, processed_at)"
        " SELECT 'evt_history_' || n, 'charge.refunded', now() FROM generate_series(1, 5) n"
        " RETURNING id",
    )
    conn = await connect(stripe_world.dsn)
    try:
        rec = await reconcile(
            conn,
            stripe_world.events_api(),
            make_window("1h"),
            types=["payment_intent.payment_failed"],
        )
        undelivered = await reconcile(
            conn, stripe_world.events_api(), make_window("1h"), delivery_success=False
        )
    finally:
        await conn.close()
    assert rec.counts() == {"missing": 1, "failed": 0, "unprocessed": 0, "processed": 0}
    assert undelivered.counts() == {"missing": 4, "failed": 2, "unprocessed": 0, "processed": 0}
    assert any("delivery_success=false" in note for note in undelivered.notes)
    assert len(ids["missing"]) == 4


def _main(argv: list[str]) -> int:
    return cli.main(argv)


async def test_reconcile_json_counts_and_exits_2_when_events_are_missing(
    stripe_world: StripeWorld, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    await _mixed(stripe_world)
    code = await asyncio.to_thread(_main, ["reconcile", "--dsn", stripe_world.dsn, "--json"])
    out = capsys.readouterr().out
    assert code == 2
    document = json.loads(out)["reconciliation"]
    assert document["counts"] == {"missing": 4, "failed": 2, "unprocessed": 1, "processed": 3}
    assert document["stripe"]["complete"] is True


async def test_reconcile_human_output_reads_as_classes_with_meanings(
    stripe_world: StripeWorld, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = await _mixed(stripe_world)
    code = await asyncio.to_thread(
        _main, ["reconcile", "--dsn", stripe_world.dsn, "--since", "30m"]
    )
    out = capsys.readouterr().out
    assert code == 2
    assert "missing" in out and "      4  Stripe holds these events" in out
    assert ids["missing"][-1] in out
    assert "6 events can be redelivered" in out


async def test_resend_commands_list_the_missing_and_failed_oldest_first(
    stripe_world: StripeWorld, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = await _mixed(stripe_world)
    argv = [
        "reconcile",
        "--dsn",
        stripe_world.dsn,
        "--resend-commands",
        "--webhook-endpoint",
        "we_1",
    ]
    code = await asyncio.to_thread(_main, argv)
    lines = capsys.readouterr().out.splitlines()
    assert code == 2
    assert lines == [
        f"stripe events resend {i} --webhook-endpoint=we_1" for i in ids["failed"] + ids["missing"]
    ]


async def test_nothing_missing_exits_0(
    stripe_world: StripeWorld, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await stripe_world.send(stripe_world.new_event()) == 200
    code = await asyncio.to_thread(_main, ["reconcile", "--dsn", stripe_world.dsn, "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)["reconciliation"]["counts"]["processed"] == 1


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ("rk_test_" + "expired0" * 3, "401"),
        ("rk_live_" + "l1vel1ve" * 3, "--live"),
    ],
    ids=["invalid", "live-without-live"],
)
async def test_a_refused_key_is_one_line_and_exit_1(
    stripe_world: StripeWorld,
    cli_env: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    key: str,
    needle: str,
) -> None:
    monkeypatch.setenv("STRIPE_SECRET_KEY", key)
    code = await asyncio.to_thread(_main, ["reconcile", "--dsn", stripe_world.dsn, "--json"])
    captured = capsys.readouterr()
    assert code == 1
    [line] = captured.err.strip().splitlines()
    assert needle in line and key not in line and "Traceback" not in captured.err
    assert needle in json.loads(captured.out)["error"]


async def test_an_incomplete_listing_exits_1_and_says_so(
    stripe_world: StripeWorld, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        stripe_world.miss(stripe_world.new_event())
    for _ in range(98):  # 101 events: two pages of 100, and the second never comes
        stripe_world.ledger.record(stripe_world.new_event())
    stripe_world.api.end_pages_early()
    code = await asyncio.to_thread(_main, ["reconcile", "--dsn", stripe_world.dsn, "--json"])
    document = json.loads(capsys.readouterr().out)["reconciliation"]
    assert code == 1
    assert document["stripe"]["complete"] is False
    assert document["stripe"]["problem"]["kind"] == "early_end"
    assert document["counts"]["missing"] == 100


async def test_the_runbook_check_fails_with_the_counts_and_the_way_out(
    stripe_world: StripeWorld,
) -> None:
    from console.checks.context import CheckContext
    from console.runbooks.checks import step_checks

    spec = step_checks()["stripe_reconciliation"]
    conn = await connect(stripe_world.dsn)
    try:
        assert (await spec.fn(CheckContext(stripe_world.settings(), conn=conn))).status == "ok"
        await _mixed(stripe_world)
        result = await spec.fn(CheckContext(stripe_world.settings(), conn=conn), since="1h")
        assert result.status == "fail"
        assert "6 events of the last 1h" in result.summary
        assert "4 missing" in result.summary and "redeliver" in result.summary
        assert result.details["counts"]["unprocessed"] == 1
        no_key = CheckContext(stripe_world.settings(stripe_secret_key=None), conn=conn)
        assert (await spec.fn(no_key)).status == "skipped"
        live = stripe_world.settings(stripe_secret_key=Secret("rk_live_" + "x1" * 12))
        refused = await spec.fn(CheckContext(live, conn=conn))
        assert refused.status == "skipped" and "--live" in refused.summary
        stripe_world.api.inject(429, 10)
        limited = await spec.fn(CheckContext(stripe_world.settings(), conn=conn))
        assert limited.status == "error" and "429" in limited.summary
    finally:
        await conn.close()
