"""One redelivery: the event's bytes, signed as Stripe signs them, POSTed to the endpoint,
and what the answer means for the rest of the run.

A refusal that concerns this event alone (422 "Invalid state transition", 400 "Event too
old") is recorded and the run goes on; anything that would refuse every event the same
way (no connection, 5xx, 429, a rejected signature, 401/403/404) is systematic: the run
stops there, so a broken endpoint is not fed the whole backlog.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Literal

from console.checks.signature import sign
from console.checks.web import HttpProblem, request
from console.core.guide_messages import EVENT_TOO_OLD, INVALID_SIGNATURE

Verdict = Literal["delivered", "duplicate", "queued", "rejected", "systematic"]
USER_AGENT = "incident-console redelivery (Stripe-Signature as Stripe signs)"


@dataclass(frozen=True)
class Answer:
    """What the endpoint said to one delivery, judged."""

    verdict: Verdict
    http_status: int | None
    detail: str


def _fields(body: bytes) -> tuple[str, str]:
    """(error, note) from a JSON answer such as the reference receiver's."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("error") or ""), str(data.get("note") or "")


def judge(status: int, body: bytes) -> Answer:
    """The verdict on an HTTP answer to a redelivery."""
    error, note = _fields(body)
    if 200 <= status < 300:
        if note == "duplicate":
            return Answer("duplicate", status, "already processed: the receiver changed nothing")
        if note in ("already queued", "queued"):
            return Answer("queued", status, f"accepted but not processed ({note})")
        return Answer("delivered", status, note or "accepted")
    said = error or body.decode("utf-8", errors="replace").strip()[:120] or "(empty body)"
    if status == 422 or (status == 400 and error == EVENT_TOO_OLD):
        return Answer("rejected", status, said)
    if status == 400 and error == INVALID_SIGNATURE:
        return Answer(
            "systematic",
            status,
            "the endpoint rejects the signature: its signing secret differs from "
            "STRIPE_WEBHOOK_SECRET",
        )
    if status == 429:
        return Answer(
            "systematic",
            status,
            f"the endpoint's rate limit answered 429 ({said}): run again later or with a lower "
            "--rate",
        )
    if status >= 500:
        return Answer("systematic", status, f"the endpoint answered {status} ({said})")
    return Answer("systematic", status, f"the endpoint refused the delivery with {status} ({said})")


async def deliver(
    url: str, body: bytes, secret: str, *, timeout: float = 10.0, now: float | None = None
) -> Answer:
    """POST `body` to `url` with a fresh `Stripe-Signature` made with `secret`."""
    timestamp = int(time.time() if now is None else now)
    headers = {
        "Content-Type": "application/json",
        "Stripe-Signature": sign(body, secret, timestamp),
        "User-Agent": USER_AGENT,
    }
    try:
        answer = await request("POST", url, timeout=timeout, headers=headers, data=body)
    except HttpProblem as exc:
        return Answer("systematic", None, str(exc))
    return judge(answer.status, answer.body)
