"""The autopilot: plays a scenario's ideal path with the console's own actions.

It is the proof that every scenario can be solved with what the console offers: each
finding is waited for and viewed, each runbook opened, each action previewed and applied
with the token the plan asks for (as a trainee would type it), each service command run
on the simulation. If the checks do not all hold soon after, the data actions are run
once more — what an engineer does after re-checking: in-flight deliveries can land
between a fix and its clean-up.
"""

from __future__ import annotations

import time
from typing import Any

from console.training.model import PathStep
from console.training.session import TrainingSession

FINDING_TIMEOUT = 15.0
SETTLE_SECONDS = 8.0


async def _play(session: TrainingSession, step: PathStep, deadline: float) -> dict[str, Any]:
    taken: dict[str, Any] = {"at": round(session.elapsed(), 2), **step.to_json()}
    if step.kind == "view_finding":
        wait = max(0.0, min(FINDING_TIMEOUT, deadline - time.monotonic()))
        lit = await session.wait_for(lambda p: step.target in {f.id for f in p.findings}, wait)
        finding = session.view_finding(step.target)
        taken["result"] = finding.title if finding else "not lit"
        taken["ok"] = lit
    elif step.kind == "open_runbook":
        taken["result"] = session.open_runbook(step.target).title
        taken["ok"] = True
    elif step.kind == "run_step":
        result = await session.run_step(step.target, str(step.params["step"]))
        status = getattr(result, "status", "ok" if getattr(result, "ok", False) else "fail")
        taken["result"] = getattr(result, "verdict", "") or status
        taken["ok"] = status != "error"
    elif step.kind == "command":
        outcome = await session.run_command(step.target)
        taken["result"] = "; ".join(outcome.lines[-1:])
        taken["ok"] = outcome.ok
    else:
        plan = await session.plan_action(step.target, dict(step.params) or None)
        result = await session.apply_action(plan, plan.token)
        taken["result"] = f"{result.status}: {result.changed} row(s) changed"
        taken["changed"] = result.changed  # for a redelivery: the events it delivered
        taken["ok"] = result.status in ("applied", "nothing_to_do")
    return taken


async def run_autopilot(session: TrainingSession, *, limit: float = 60.0) -> list[dict[str, Any]]:
    """Play the ideal path, then wait for the checks; returns the path taken."""
    deadline = time.monotonic() + limit
    taken = [await _play(session, step, deadline) for step in session.scenario.ideal_path]
    settle = max(0.0, min(SETTLE_SECONDS, deadline - time.monotonic()))
    if await session.wait_for(lambda p: p.resolved, settle):
        return taken
    for step in session.scenario.ideal_path:
        if step.kind == "action" and time.monotonic() < deadline:
            taken.append(await _play(session, step, deadline) | {"retry": True})
    await session.wait_for(lambda p: p.resolved, max(0.0, deadline - time.monotonic()))
    return taken
