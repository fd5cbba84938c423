"""The `undelivered_events` detector: Stripe's side watched on a slow cadence, next to the
database polls, against the local Stripe-shaped API and the reference receiver."""

# ruff: noqa: F811  (stripe_world is a fixture imported from support)
from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from support.sim_helpers import WRONG
from support.stripe_world import StripeWorld, stripe_world  # noqa: F401

from console import cli
from console.core.config import Secret
from console.metrics.collector import Collector
from console.metrics.snapshot import Snapshot
from console.sim.stripe_api import DEMO_NO_PERMISSION_KEY
from console.stripe.watch import StripeWatch
from console.triage import disabled_detectors, evaluate, resolve_thresholds

FAST = {"stripe_poll_seconds": 0.2, "undelivered_grace_seconds": 0.0}


def _collector(world: StripeWorld, settings: Any) -> Collector:
    """The Collector as the dashboard builds it: Stripe's watch as an addon, if any."""
    watch = StripeWatch.from_settings(settings, world.dsn)
    return Collector(world.dsn, settings, addons=(watch,) if watch else ())


async def _poll_until(collector: Collector, predicate: Any, timeout: float = 20.0) -> Snapshot:
    deadline = time.monotonic() + timeout
    while True:
        snapshot = await collector.poll()
        if predicate(snapshot) or time.monotonic() > deadline:
            return snapshot
        await asyncio.sleep(0.1)


async def test_missing_events_light_the_finding_and_redelivery_clears_it(
    stripe_world: StripeWorld,
) -> None:
    assert await stripe_world.send(stripe_world.new_event()) == 200
    for _ in range(3):
        stripe_world.miss(stripe_world.new_event())
    assert await stripe_world.send(stripe_world.new_event(), secret=WRONG) == 400
    settings = stripe_world.settings(thresholds=FAST)
    async with _collector(stripe_world, settings) as collector:
        assert collector.addons
        snapshot = await _poll_until(collector, lambda s: s.stripe is not None)
        [finding] = [
            f for f in evaluate(snapshot, resolve_thresholds(FAST)) if f.id == "undelivered_events"
        ]
        assert finding.severity == "P1" and finding.value == 4.0
        assert finding.runbook == "recovery_data"
        assert "3 missing" in finding.title and "1 failed" in finding.title
        assert finding.evidence["by_type"] == {"payment_intent.succeeded": 4}
        # Stripe's own retry brings them in: the next Stripe run sees nothing lacking
        for event in stripe_world.sent[1:4]:
            assert await stripe_world.send(event) == 200
        assert await stripe_world.send(stripe_world.sent[4]) == 200
        cleared = await _poll_until(
            collector, lambda s: s.stripe is not None and s.stripe.undelivered == 0
        )
        assert cleared.stripe is not None and cleared.stripe.undelivered == 0
        assert "undelivered_events" not in {
            f.id for f in evaluate(cleared, resolve_thresholds(FAST))
        }


async def test_events_younger_than_the_grace_are_not_counted(stripe_world: StripeWorld) -> None:
    stripe_world.miss(stripe_world.new_event())
    settings = stripe_world.settings(thresholds={**FAST, "undelivered_grace_seconds": 600})
    async with _collector(stripe_world, settings) as collector:
        snapshot = await _poll_until(collector, lambda s: s.stripe is not None)
    assert snapshot.stripe is not None and snapshot.stripe.listed == 1
    assert snapshot.stripe.undelivered == 0


async def test_without_a_key_there_is_no_watch_and_no_finding(stripe_world: StripeWorld) -> None:
    stripe_world.miss(stripe_world.new_event())
    settings = stripe_world.settings(stripe_secret_key=None, thresholds=FAST)
    async with _collector(stripe_world, settings) as collector:
        assert collector.addons == ()
        snapshot = await collector.poll()
    assert snapshot.stripe is None and "stripe" not in snapshot.panel_errors
    assert stripe_world.api.requests == []


@pytest.mark.parametrize(
    ("key", "needle"),
    [(DEMO_NO_PERMISSION_KEY, "403"), ("rk_live_" + "a1" * 12, "stripe_live")],
    ids=["no-permission", "live-key"],
)
async def test_a_refused_key_disables_the_detector_with_one_line(
    stripe_world: StripeWorld, key: str, needle: str
) -> None:
    stripe_world.miss(stripe_world.new_event())
    settings = stripe_world.settings(stripe_secret_key=Secret(key), thresholds=FAST)
    async with _collector(stripe_world, settings) as collector:
        snapshot = await _poll_until(collector, lambda s: s.stripe is not None)
    reason = disabled_detectors(snapshot)["undelivered_events"]
    assert needle in reason and key not in reason and "\n" not in reason
    assert "undelivered_events" not in {f.id for f in evaluate(snapshot, resolve_thresholds(FAST))}


async def test_a_slow_stripe_never_delays_the_database_poll(stripe_world: StripeWorld) -> None:
    stripe_world.api.inject(503, 100)  # every Stripe call fails after retries with backoff
    settings = stripe_world.settings(thresholds=FAST)
    async with _collector(stripe_world, settings) as collector:
        started = time.monotonic()
        await collector.poll()
        await collector.poll()
        assert time.monotonic() - started < 2.0
        snapshot = await _poll_until(collector, lambda s: s.stripe is not None)
    assert "503" in snapshot.panel_errors["stripe"]


async def test_check_json_waits_for_stripe_and_reports_the_finding(
    stripe_world: StripeWorld,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for _ in range(2):
        stripe_world.miss(stripe_world.new_event())
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("INCIDENT_CONSOLE_CONFIG", raising=False)
    monkeypatch.setenv("STRIPE_SECRET_KEY", stripe_world.settings().stripe_secret_key.reveal())  # type: ignore[union-attr]
    monkeypatch.setenv("STRIPE_API_BASE", stripe_world.api.url)
    config = tmp_path / "config.toml"
    config.write_text("[thresholds]\nundelivered_grace_seconds = 0\n")
    argv = ["check", "--dsn", stripe_world.dsn, "--config", str(config), "--json"]
    code = await asyncio.to_thread(cli.main, argv)
    document = json.loads(capsys.readouterr().out)
    assert code == 2
    [finding] = [f for f in document["findings"] if f["id"] == "undelivered_events"]
    assert finding["value"] == 2 and finding["severity"] == "P1"
