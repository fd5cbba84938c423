"""`incident-console reconcile`: what Stripe holds that the database does not, headless.

    reconcile [--since 2h | --from T --to T] [--types T …] [--failed-deliveries] [--live] [--json]
    reconcile … --redeliver                         preview: the event ids and the token
    reconcile … --redeliver --allow-write --reason TEXT --confirm TOKEN
    reconcile … --resend-commands [--webhook-endpoint we_…]

Read-only unless --redeliver is confirmed. Like `run --apply`, a confirmed redelivery
reconciles and previews afresh and applies only when the typed token (the number of
events) matches the fresh preview. Exit codes: 0 nothing missing or failed (or the
redelivery applied / had nothing to do), 2 events need attention (or a preview awaits its
token), 1 an error — an incomplete Stripe listing included. With --json stdout carries
exactly one JSON document, errors included.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

EXIT_OK, EXIT_ERROR, EXIT_ATTENTION = 0, 1, 2


def _types(raw: list[str]) -> list[str]:
    return [part.strip() for item in raw for part in item.split(",") if part.strip()]


def _error(args: argparse.Namespace, message: str, **extra: Any) -> int:
    print(f"incident-console: {message}", file=sys.stderr)
    if args.json:
        print(json.dumps({"error": message, **extra}))
    return EXIT_ERROR


def reconcile_command(args: argparse.Namespace) -> int:
    from console.cli import load_settings_from
    from console.core.db import DatabaseError
    from console.stripe.client import StripeEvents
    from console.stripe.errors import StripeProblem
    from console.stripe.keys import StripeKeyRefused
    from console.stripe.plan import RedeliveryRefused
    from console.stripe.window import WindowError, make_window

    settings = load_settings_from(args)
    try:
        window = make_window(args.since, args.start, args.end)
        events_api = StripeEvents.from_settings(settings, live=args.live)
    except WindowError as exc:
        return _error(args, str(exc), kind="window")
    except StripeKeyRefused as exc:
        hint = f" — {exc.hint}" if exc.hint else ""
        return _error(args, f"{exc.message}{hint}", kind="key")
    if args.confirm is not None and not args.redeliver:
        return _error(args, "--confirm goes with --redeliver", kind="usage")
    try:
        outcome = asyncio.run(_run(args, settings, window, events_api))
        if isinstance(outcome, int):
            return outcome
        return _apply(args, settings, *outcome)
    except StripeProblem as exc:
        return _error(args, exc.line(), kind=exc.kind)
    except RedeliveryRefused as exc:
        return _error(args, exc.line(), kind="refused")
    except DatabaseError as exc:
        return _error(args, str(exc), kind="database")


async def _run(args: argparse.Namespace, settings: Any, window: Any, events_api: Any) -> Any:
    """The exit code, or (with --confirm) the reconciliation and preview to apply."""
    from console.core.db import SessionLimits, connect
    from console.stripe.reconcile import reconcile

    conn = await connect(
        settings.database_url, limits=SessionLimits.from_settings(settings), role="reconcile"
    )
    try:
        rec = await reconcile(
            conn,
            events_api,
            window,
            types=_types(args.types),
            delivery_success=False if args.failed_deliveries else None,
        )
        if args.resend_commands:
            return _resend(args, rec)
        if not args.redeliver:
            return _report(args, rec)
        preview = _preview(args, settings, rec)
        return preview if isinstance(preview, int) else (rec, preview)
    finally:
        await conn.close()


def _exit_for(rec: Any) -> int:
    if not rec.complete:
        return EXIT_ERROR
    return EXIT_ATTENTION if rec.needs_attention() else EXIT_OK


def _report(args: argparse.Namespace, rec: Any) -> int:
    from console.stripe.report import reconciliation_lines

    if args.json:
        print(json.dumps({"reconciliation": rec.to_json()}, default=str))
    else:
        print("\n".join(reconciliation_lines(rec)))
        if rec.redeliverable():
            print(
                f"{len(rec.redeliverable())} events can be redelivered: add --redeliver to "
                "preview, or --resend-commands for the Stripe CLI"
            )
    return _exit_for(rec)


def _resend(args: argparse.Namespace, rec: Any) -> int:
    from console.stripe.plan import resend_commands

    ids = [e.id for e in rec.redeliverable()]
    commands = resend_commands(ids, webhook_endpoint=args.webhook_endpoint, live=args.live)
    if args.json:
        print(json.dumps({"reconciliation": rec.to_json(), "resend_commands": commands}))
    else:
        if not args.webhook_endpoint and commands:
            print("# replace we_YOUR_ENDPOINT_ID (Dashboard -> Developers -> Webhooks)")
        print("\n".join(commands) if commands else "# nothing to resend")
    return _exit_for(rec)


def _preview(args: argparse.Namespace, settings: Any, rec: Any) -> Any:
    """The redelivery's preview, printed; returned when a token was given to apply it."""
    from console.stripe.plan import plan_redelivery
    from console.stripe.report import plan_lines

    plan = plan_redelivery(rec, settings, rate_per_second=args.rate, include_old=args.include_old)
    if args.confirm is not None:
        return plan
    if args.json:
        print(
            json.dumps(
                {"reconciliation": rec.to_json(), "preview": plan.to_json(), "applied": False}
            )
        )
    else:
        print("\n".join(plan_lines(plan)))
        if not plan.nothing_to_do:
            print(
                "nothing sent; to apply: --redeliver --allow-write --reason TEXT "
                f"--confirm <token> ({plan.token_prompt()})"
            )
    return EXIT_OK if plan.nothing_to_do else EXIT_ATTENTION


def _apply(args: argparse.Namespace, settings: Any, rec: Any, plan: Any) -> int:
    """The confirmed redelivery, as the recovery action it is: a write connection (so
    only with --allow-write), the action's lock, the audit log."""
    from console.core.db import SessionLimits, connect_sync
    from console.recovery import stripe_action
    from console.recovery.audit import AuditLog
    from console.stripe.report import result_lines

    if not args.allow_write:
        return _error(
            args, "the console is read-only; add --allow-write to redeliver (nothing was sent)"
        )

    def progress(step: Any) -> None:
        if not args.json:
            print(f"  {step.rows_done}/{step.rows_total} sent", file=sys.stderr)

    limits = SessionLimits.from_settings(settings)
    audit = AuditLog(state_dsn=settings.state_database_url or settings.database_url, limits=limits)
    try:
        with connect_sync(
            settings.database_url,
            allow_write=True,
            limits=limits,
            role="redeliver",
        ) as write_conn:
            result = stripe_action.redeliver(
                write_conn,
                stripe_action.wrap(plan, settings),
                args.confirm,
                audit=audit,
                on_progress=progress,
                reason=args.reason or "",
            )
    finally:
        audit.close()
    if args.json:
        document = {"reconciliation": rec.to_json(), "preview": plan.to_json()}
        print(json.dumps({**document, "applied": True, "result": result.to_json()}))
    else:
        print("\n".join(result_lines(result)))
    return EXIT_OK if result.status in ("applied", "nothing_to_do") else EXIT_ERROR
