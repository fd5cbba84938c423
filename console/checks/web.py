"""One small HTTP helper for the checks: aiohttp imported lazily, errors as one line."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

MAX_BODY_BYTES = 64 * 1024
SUMMARY_CHARS = 200


class HttpProblem(Exception):
    """The request did not get an answer (refused, DNS, timeout, TLS); one clear line."""


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes
    latency_seconds: float

    def body_summary(self) -> str:
        return summarize_body(self.body)


def printable(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Text safe for a terminal line: control characters replaced, length capped."""
    cleaned = "".join(ch if ch.isprintable() else "�" for ch in text.replace("\n", " "))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def summarize_body(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return "(empty body)"
    try:
        parsed: Any = json.loads(text)
    except ValueError:
        return printable(text)
    return printable(json.dumps(parsed, separators=(",", ":"), sort_keys=True))


async def request(
    method: str,
    url: str,
    *,
    timeout: float,
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
) -> HttpAnswer:
    import aiohttp

    started = time.monotonic()
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.request(
                method, url, headers=headers, data=data, allow_redirects=False
            ) as response,
        ):
            body = await response.content.read(MAX_BODY_BYTES)
            return HttpAnswer(
                status=response.status,
                headers={k: v for k, v in response.headers.items()},
                body=body,
                latency_seconds=time.monotonic() - started,
            )
    except TimeoutError:
        raise HttpProblem(f"no answer from {url} within {timeout:g} s") from None
    except aiohttp.InvalidURL:
        raise HttpProblem(f"{printable(url)} is not a usable URL") from None
    except aiohttp.ClientError as exc:
        raise HttpProblem(
            f"cannot reach {url}: {printable(str(exc) or type(exc).__name__)}"
        ) from None
    except ValueError as exc:
        raise HttpProblem(f"cannot request {url}: {printable(str(exc))}") from None
