"""The `incident-console` command line: parsing and wiring only.

Each subcommand imports its implementation lazily, so `incident-console --help` and the
dashboard start without loading what they do not use. Every known failure (bad config,
unreachable database, missing PostgreSQL) ends as one line on stderr and exit code 1,
never a traceback.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any

from console import __version__

Handler = Callable[[argparse.Namespace], int]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_FINDINGS = 2


def _common(parser: argparse.ArgumentParser, *, dsn: bool = True, json: bool = True) -> None:
    if dsn:
        parser.add_argument("--dsn", help="PostgreSQL DSN (default: $DATABASE_URL)")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file")
    if json:
        parser.add_argument("--json", action="store_true", help="print one JSON document")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="incident-console",
        description="Incident console for Stripe-webhook -> PostgreSQL order systems.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--dsn", help="PostgreSQL DSN (default: $DATABASE_URL)")
    parser.add_argument("--config", metavar="FILE", help="TOML settings file")
    parser.add_argument(
        "--allow-write", action="store_true", help="allow recovery actions (after confirmation)"
    )
    parser.add_argument("--record", metavar="FILE", help="record what the dashboard shows")
    parser.add_argument(
        "--record-samples", action="store_true", help="keep query text in recordings as is"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="run the embedded demo world (and the dashboard)")
    _common(demo, dsn=False)
    demo.add_argument("--scenario", metavar="S", help="fault(s) to switch on, comma-separated")
    demo.add_argument("--headless", action="store_true", help="no dashboard; print a summary")
    demo.add_argument("--seconds", type=float, default=30.0, help="headless run length")
    demo.add_argument("--rate", type=float, default=None, help="deliveries per second")
    demo.add_argument("--days", type=float, default=None, help="days of history to generate")
    demo.add_argument("--events", type=int, default=None, help="history size in events")
    demo.add_argument("--seed", type=int, default=None, help="random seed for the world")
    demo.add_argument("--list-faults", action="store_true", help="list the fault names")
    demo.add_argument("--record", metavar="FILE", help="record what the console saw to FILE")
    demo.add_argument(
        "--allow-write", action="store_true", help="let the dashboard run recovery actions"
    )

    fault = sub.add_parser("fault", help="switch a fault of a running demo at run time")
    fault.add_argument("spec", metavar="NAME[:k=v…]", help="fault name and parameters")
    fault.add_argument("--off", action="store_true", help="switch it off instead")
    fault.add_argument("--url", required=True, help="the demo receiver URL the demo printed")
    fault.add_argument("--json", action="store_true", help="print the fault list as JSON")

    check = sub.add_parser("check", help="one-shot triage: exit 0 healthy, 2 findings, 1 error")
    _common(check)

    runbooks = sub.add_parser("runbooks", help="list the checklists and their steps")
    _common(runbooks, dsn=False)

    run = sub.add_parser("run", help="run a runbook's read-only steps headless")
    _common(run)
    run.add_argument("runbook", metavar="RUNBOOK")
    run.add_argument("--allow-write", action="store_true")
    run.add_argument("--apply", metavar="STEP")
    run.add_argument("--confirm", metavar="TOKEN", help="apply the saved preview (its token)")
    run.add_argument("--plan", metavar="ID", help="the plan_id to apply (default: your latest)")
    run.add_argument("--reason", metavar="TEXT", help="why this write (audit log, timeline)")
    run.add_argument(
        "--exact", action="store_true", help="all or nothing: refuse if any row changed"
    )
    run.add_argument(
        "--dry-run", action="store_true", help="apply in a transaction and roll it back"
    )

    doctor = sub.add_parser("doctor", help="check config, connectivity, schema and settings")
    _common(doctor)

    train = sub.add_parser("train", help="training scenarios with scoring")
    _common(train, dsn=False)
    train.add_argument("--list", action="store_true")
    train.add_argument("--scenario", metavar="S")
    train.add_argument("--autopilot", action="store_true")
    train.add_argument("--report", action="store_true")
    train.add_argument("--seed", type=int, help="seed for --scenario random and the traffic")
    train.add_argument(
        "--time-limit", type=float, metavar="SECONDS", help="unresolved at the limit = failed"
    )
    train.add_argument("--history-dir", metavar="DIR", help="where training.jsonl is kept")
    train.add_argument("--from-recording", metavar="FILE", help="a drill from a recorded incident")
    train.add_argument(
        "--time-scale", type=float, default=None, help="how much faster than the recording"
    )

    bench = sub.add_parser("bench", help="console refresh cost vs the guide's queries")
    _common(bench, dsn=False)
    bench.add_argument("--events", type=int, default=1_000_000)
    bench.add_argument(
        "--seconds", type=float, default=60.0, help="steady window measured at each size"
    )
    bench.add_argument("--interval", type=float, default=2.0, help="refresh interval (s)")

    init = sub.add_parser("init", help="create the incident_console state schema")
    _common(init)

    reconcile = sub.add_parser(
        "reconcile", help="Stripe's events of a window against webhook_events; redeliver"
    )
    _common(reconcile)
    _reconcile_flags(reconcile)

    replay = sub.add_parser("replay", help="replay a recording (the dashboard, or --headless)")
    replay.add_argument("file", metavar="FILE", help="a recording (.icrec.gz)")
    replay.add_argument("--speed", type=float, default=1.0, help="1 to 60 (the dashboard)")
    replay.add_argument("--headless", action="store_true", help="no dashboard: print a summary")
    _common(replay, dsn=False)

    serve = sub.add_parser("serve", help="the live incident in a browser (read-only)")
    _common(serve, json=False)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--dashboard", action="store_true", help="the terminal UI (textual-serve)")

    from console.cli.incident_args import add_incident_parser

    add_incident_parser(sub)
    from console.cli.audit_args import add_audit_parser

    add_audit_parser(sub)
    return parser


def _reconcile_flags(parser: argparse.ArgumentParser) -> None:
    """`reconcile`'s own flags (console/cli/reconcile.py says what they do)."""
    add = parser.add_argument
    flag = functools.partial(add, action="store_true")  # an on/off switch
    add("--since", metavar="DURATION", help="window up to now: 30m, 2h, 3d (default 2h)")
    add("--from", dest="start", metavar="T", help="window start (ISO 8601 or Unix seconds)")
    add("--to", dest="end", metavar="T", help="window end (default: now)")
    add(
        "--types",
        nargs="+",
        action="extend",
        default=[],
        metavar="TYPE",
        help="only these event types (space- or comma-separated, at most 20)",
    )
    flag(
        "--failed-deliveries",
        help="list only events Stripe could not deliver (delivery_success=false)",
    )
    flag("--live", help="allow a live-mode Stripe key")
    flag("--redeliver", help="preview (then apply) the redelivery")
    flag("--allow-write", help="allow the redelivery")
    add("--reason", metavar="TEXT", help="why (kept in the audit log)")
    add("--confirm", metavar="TOKEN", help="the token the preview asked for")
    add("--rate", type=float, metavar="N", help="events per second (capped)")
    flag("--include-old", help="also redeliver events older than MAX_EVENT_AGE_SECONDS")
    flag(
        "--resend-commands",
        help="print the `stripe events resend` commands instead of redelivering",
    )
    add("--webhook-endpoint", metavar="WE_ID", help="for --resend-commands")


def load_settings_from(args: argparse.Namespace, **extra: Any) -> Any:
    from console.core.config import load_settings

    overrides = {"database_url": getattr(args, "dsn", None), **extra}
    return load_settings(config_file=getattr(args, "config", None), overrides=overrides)


def _lazy(module: str, function: str) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        import importlib

        try:
            target = getattr(importlib.import_module(module), function)
        except (ImportError, AttributeError):
            print(
                f"incident-console: '{args.command}' is not available in this build yet",
                file=sys.stderr,
            )
            return EXIT_ERROR
        return int(target(args))

    return handler


HANDLERS: dict[str | None, Handler] = {
    "demo": _lazy("console.cli.demo", "demo_command"),
    "fault": _lazy("console.cli.fault", "fault_command"),
    "doctor": _lazy("console.doctor", "doctor_command"),
    "check": _lazy("console.cli.check", "check_command"),
    "bench": _lazy("console.cli.bench", "bench_command"),
    "runbooks": _lazy("console.cli.runbooks", "runbooks_command"),
    "run": _lazy("console.cli.run", "run_command"),
    "train": _lazy("console.cli.train", "train_command"),
    "init": _lazy("console.cli.init", "init_command"),
    "replay": _lazy("console.cli.replay", "replay_command"),
    "serve": _lazy("console.cli.serve", "serve_command"),
    "incident": _lazy("console.cli.incident", "incident_command"),
    "reconcile": _lazy("console.cli.reconcile", "reconcile_command"),
    "audit": _lazy("console.cli.audit", "audit_command"),
    None: _lazy("screens.app", "dashboard_command"),
}


def main(argv: Sequence[str] | None = None) -> int:
    from console.core.config import ConfigError
    from console.core.db import DatabaseError
    from console.sim.embedded import EmbeddedPostgresError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return HANDLERS[args.command](args)
    except ConfigError as exc:
        print(f"incident-console: config error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except DatabaseError as exc:
        print(f"incident-console: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except EmbeddedPostgresError as exc:
        print(f"incident-console: embedded PostgreSQL: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("incident-console: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
