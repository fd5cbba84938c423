"""The demo world's Stripe side: after an endpoint_down stretch, `reconcile --json` counts
exactly the events that never reached the database — and redelivery brings them in."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import pytest
from support.sim_helpers import query, wait_until

from console import cli
from console.sim.live import LiveSystem
from console.sim.traffic import TrafficConfig


def _env(live: LiveSystem, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    settings = live.settings
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("INCIDENT_CONSOLE_CONFIG", raising=False)
    monkeypatch.setenv("STRIPE_SECRET_KEY", settings.stripe_secret_key.reveal())  # type: ignore[union-attr]
    monkeypatch.setenv("STRIPE_API_BASE", settings.stripe_api_base or "")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", settings.stripe_webhook_secret.reveal())  # type: ignore[union-attr]
    monkeypatch.setenv("WEBHOOK_URL", settings.webhook_url or "")
    monkeypatch.setenv("RATE_LIMIT_MAX_EVENTS", str(settings.rate_limit_max_events))


def _never_arrived(live: LiveSystem, dsn: str) -> dict[str, str]:
    """The truth: what Stripe sent that has no row at all in webhook_events."""
    sent = {e.id: e.type for e in live.stripe.ledger.entries()}
    rows = query(
        dsn, "SELECT DISTINCT event_id FROM webhook_events WHERE event_id = ANY(%s)", [list(sent)]
    )
    present = {r["event_id"] for r in rows}
    return {i: t for i, t in sent.items() if i not in present}


@pytest.mark.parametrize("mode", ["5xx", "unreachable"])
async def test_reconcile_after_an_endpoint_down_stretch_counts_the_lost_events_exactly(
    db: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    traffic = TrafficConfig(rate=15, max_attempts=2, backoff_base=0.1, seed=5)
    async with LiveSystem(db.dsn, rate=15, seed=5, traffic_config=traffic) as live:
        assert live.traffic is not None
        await wait_until(lambda: live.stats()["accepted"] >= 10)
        live.faults.enable("endpoint_down", mode=mode)
        await wait_until(lambda: live.stats()["gave_up"] >= 12)
        live.faults.disable("endpoint_down")
        given_up = live.stats()["gave_up"]
        await wait_until(lambda: live.stats()["accepted"] >= 25)
        await live.traffic.stop(drain_seconds=10.0)  # Stripe stops sending; retries settle
        lost = _never_arrived(live, db.dsn)
        assert len(lost) >= given_up >= 12
        assert live.receiver.stats["endpoint_down"] >= len(lost)
        _env(live, monkeypatch, tmp_path)
        argv = ["reconcile", "--dsn", db.dsn, "--since", "10m", "--json"]
        code = await asyncio.to_thread(cli.main, argv)
        document = json.loads(capsys.readouterr().out)["reconciliation"]
        assert code == 2
        assert document["counts"]["missing"] == len(lost)
        assert document["counts"]["failed"] == 0 and document["counts"]["unprocessed"] == 0
        assert document["stripe"]["events"] == len(live.stripe.ledger)
        assert document["classes"]["missing"]["by_type"] == dict(Counter(lost.values()))
        sample = {s["id"] for s in document["classes"]["missing"]["sample"]}
        assert sample <= set(lost)

        # and the headless redelivery gets every one of them processed
        argv += ["--redeliver", "--allow-write", "--reason", "endpoint back", "--confirm"]
        code = await asyncio.to_thread(cli.main, [*argv, str(len(lost))])
        result = json.loads(capsys.readouterr().out)["result"]
        assert code == 0, result
        assert result["redelivered"] == len(lost)
        assert result["verified"]["processed"] == len(lost)
        assert _never_arrived(live, db.dsn) == {}
