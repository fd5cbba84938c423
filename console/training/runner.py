"""Run one scenario end to end headless: a session, the autopilot, score, history."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from console.training.autopilot import run_autopilot
from console.training.history import history_path, record_run
from console.training.model import Scenario
from console.training.options import DrillOptions
from console.training.session import TrainingSession

DEFAULT_AUTOPILOT_LIMIT = 60.0
REDELIVERY = "redeliver_stripe_events"


@contextmanager
def training_database() -> Iterator[str]:
    """A private PostgreSQL with the monitored schema and nothing else (the drill's world:
    never the user's database); its dsn while the drill runs, stopped after."""
    import psycopg

    from console.sim.embedded import EmbeddedPostgres
    from console.sim.schema import apply_monitored_schema

    server = EmbeddedPostgres()
    server.start()
    try:
        dsn = server.create_database("training")
        with psycopg.connect(dsn, autocommit=True) as conn:
            apply_monitored_schema(conn)
        yield dsn
    finally:
        server.stop()


async def autopilot_outcome(
    scenario: Scenario, dsn: str, options: DrillOptions | None = None, *, save: bool = True
) -> dict[str, Any]:
    """Play `scenario` on `dsn` (the guide's schema, empty or with history); one document."""
    options = options or DrillOptions()
    time_limit = options.time_limit
    started = time.monotonic()
    async with TrainingSession(scenario, dsn, options) as session:
        path = await run_autopilot(session, limit=time_limit or DEFAULT_AUTOPILOT_LIMIT)
        final, report = await session.finish()
        progress = session.progress()
    if save:
        record_run(
            history_path(options.history_dir),
            scenario_id=scenario.id,
            faults=scenario.fault_names,
            final=final,
            autopilot=True,
            time_limit=time_limit,
        )
    return {
        "scenario": scenario.id,
        "faults": list(scenario.fault_names),
        "resolved": final.resolved,
        "time_to_diagnose": final.to_json()["time_to_diagnose"],
        "time_to_resolve": final.to_json()["time_to_resolve"],
        "score": final.points,
        "grade": final.grade,
        "grade_reason": final.grade_reason,
        "harmful": [h.to_json() for h in final.harmful],
        "path": path,
        **_redelivered(path),
        "checks": [c.to_json() for c in progress.checks],
        "debrief": report.to_json(),
        "elapsed_seconds": round(time.monotonic() - started, 2),
    }


def _redelivered(path: list[dict[str, Any]]) -> dict[str, int]:
    """`redelivered`: the events the Stripe redelivery got in (when the path ran it)."""
    runs = [s for s in path if s.get("kind") == "action" and s.get("target") == REDELIVERY]
    return {"redelivered": sum(int(s.get("changed") or 0) for s in runs)} if runs else {}
