"""`incident-console demo`: the embedded world, live traffic, faults, and the dashboard.

`--list-faults` lists the faults; `--headless` runs for `--seconds` and prints one JSON
document (deliveries, rows, the errors recorded during the run); otherwise the dashboard
watches the demo, whose simulator runs in a background thread (`console.sim.demo`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

from console.core.config import Settings, load_settings
from console.core.jsonable import jsonable
from console.core.state import init_state
from console.recording.files import new_recording
from console.sim.demo import BackgroundLive, DemoWorld, errors_since, row_counts
from console.sim.faults import FaultError, FaultSet, parse_fault_spec


def demo_command(args: argparse.Namespace) -> int:
    if getattr(args, "list_faults", False):
        described = FaultSet().describe()
        if args.json:
            print(json.dumps({"faults": described}))
        else:
            for fault in described:
                print(f"{fault['name']:<22} {fault['description']}")
        return 0
    try:
        faults = parse_fault_spec(args.scenario or "")
    except FaultError as exc:
        print(f"incident-console: {exc}", file=sys.stderr)
        return 1
    settings = load_settings(config_file=args.config)
    new_recording(getattr(args, "record", None))  # refused now, not after the world is built

    def say(message: str) -> None:
        if not args.json:
            print(f"demo: {message}", file=sys.stderr)

    world = DemoWorld(days=args.days, events=args.events, seed=args.seed)
    started = time.monotonic()
    try:
        dsn = world.start(progress=say)
        say(f"history ready in {time.monotonic() - started:.1f} s ({world.summary})")
        live = BackgroundLive(dsn, settings, faults, args.rate)
        live.start()
        # The console's own embedded database is its state database too: the timeline,
        # notes and the audit work from the first key, as after `incident-console init`.
        init_state(live.console_settings.state_database_url or dsn)
        names = [name for name, _ in faults]
        say(f"simulated webhook receiver at {live.url}; faults: {', '.join(names) or 'none'}")
        stripe = live.console_settings
        say(
            f"simulated Stripe API at {stripe.stripe_api_base} (key {stripe.stripe_secret_key}): "
            "reconcile with STRIPE_API_BASE and the demo key (README, Stripe's side)"
        )
        try:
            if args.headless:
                return _headless(args, world, live, faults, started)
            return _interactive(args, world, live, settings)
        finally:
            live.stop()
    finally:
        world.stop()


def _headless(
    args: argparse.Namespace,
    world: DemoWorld,
    live: BackgroundLive,
    faults: list[tuple[str, dict[str, str]]],
    started: float,
) -> int:
    recorded: dict[str, object] | None = None
    if getattr(args, "record", None):
        from console.sim.record import record_for

        source = {"kind": "demo", "headless": True, "scenario": [name for name, _ in faults]}
        recorded = asyncio.run(
            record_for(
                world.dsn,
                live.console_settings,
                Path(args.record).expanduser(),
                max(0.0, float(args.seconds)),
                source=source,
            )
        )
    else:
        time.sleep(max(0.0, float(args.seconds)))
    stats = live.stats()
    document = {
        "scenario": [name for name, _ in faults],
        "seconds": float(args.seconds),
        "deliveries": jsonable(stats),
        "rows": row_counts(world.dsn),
        "errors_during_run": errors_since(world.dsn, float(args.seconds) + 1.0),
        "history": jsonable(world.summary),
        "elapsed_seconds": round(time.monotonic() - started, 2),
    }
    if recorded is not None:
        document["recording"] = recorded
    if args.json:
        print(json.dumps(document))
    else:
        print(json.dumps(document, indent=2))
    return 0


def _interactive(
    args: argparse.Namespace, world: DemoWorld, live: BackgroundLive, settings: Settings
) -> int:
    import importlib

    from console.recording.background import LiveRecording

    app_module = importlib.import_module("screens.app")
    source = {"kind": "demo", "scenario": [name for name, _ in live.faults]}
    return int(
        app_module.run_dashboard(
            dsn=world.dsn,
            settings=live.console_settings,
            allow_write=bool(getattr(args, "allow_write", False)),
            environment="demo",
            demo_control=live,
            recording=LiveRecording.from_args(live.console_settings, args, source=source),
        )
    )
