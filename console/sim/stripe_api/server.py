"""A Stripe-shaped HTTP API over the ledger, for stripe-python to talk to.

`GET /v1/events` takes Stripe's filters (`created[gte|gt|lte|lt]` or `created`,
`types[]` / `types[N]`, `type` with a trailing `*`, `delivery_success`, `limit` 1-100,
`starting_after`, `ending_before`) and answers Stripe's list shape with `has_more`;
`GET /v1/events/{id}` one event. Auth is a Bearer (or Basic) key: an unknown key gets
401, a known key without Events: Read gets 403, with Stripe's error bodies. Switches
answer the next requests with a status (429, 500, 503 …) or end listings early, so the
console's handling of each can be tested with the real client.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from console.core.config import mask_secret
from console.core.service import Service
from console.sim.stripe_api.ledger import EventLedger, LedgerEntry

EVENTS_READ = "events_read"


def _demo_key(prefix: str, label: str) -> str:
    return prefix + hashlib.sha256(f"incident-console {label}".encode()).hexdigest()[:24]


# Fixed, obviously-fake test-mode keys, so docs and training can name them.
DEMO_SECRET_KEY = _demo_key("sk_test_", "demo stripe secret key")
DEMO_RESTRICTED_KEY = _demo_key("rk_test_", "demo stripe events read key")
DEMO_NO_PERMISSION_KEY = _demo_key("rk_test_", "demo stripe key without events")

DEFAULT_KEYS: Mapping[str, frozenset[str]] = {
    DEMO_SECRET_KEY: frozenset({EVENTS_READ}),
    DEMO_RESTRICTED_KEY: frozenset({EVENTS_READ}),
    DEMO_NO_PERMISSION_KEY: frozenset(),
}


@dataclass(frozen=True)
class ApiRequest:
    """One request the API answered, for tests and the demo's stats (key masked)."""

    at: float  # time.monotonic()
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    status: int
    key: str


@dataclass
class _Injection:
    status: int
    remaining: int
    retry_after: float | None
    should_retry: bool | None


class _BadRequest(Exception):
    def __init__(self, message: str, param: str | None = None) -> None:
        self.message = message
        self.param = param
        super().__init__(message)


def _error(status: int, kind: str, message: str, **extra: Any) -> web.Response:
    body = {"error": {"type": kind, "message": message, **extra}}
    return web.json_response(body, status=status, headers={"Request-Id": _request_id()})


def _request_id() -> str:
    return "req_" + uuid.uuid4().hex[:14]


class StripeApi(Service):
    """The API service: `await api.start()` returns its base URL."""

    def __init__(
        self,
        ledger: EventLedger | None = None,
        keys: Mapping[str, frozenset[str]] | None = None,
        *,
        account: str = "acct_1SimulatedDemo",
    ) -> None:
        self.ledger = ledger or EventLedger()
        self.keys: dict[str, frozenset[str]] = dict(DEFAULT_KEYS if keys is None else keys)
        self.account = account
        self.requests: list[ApiRequest] = []
        self._injections: list[_Injection] = []
        self._early_ends = 0
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None
        self._url: str | None = None
        self.app = web.Application()
        self.app.router.add_get("/v1/events", self.handle_list)
        self.app.router.add_get("/v1/events/{event_id}", self.handle_retrieve)

    # ---- switches -----------------------------------------------------------------------

    def inject(
        self,
        status: int,
        count: int = 1,
        *,
        retry_after: float | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """Answer the next `count` authenticated requests with `status` (429, 500, 503 …)."""
        with self._lock:
            self._injections.append(_Injection(status, count, retry_after, should_retry))

    def end_pages_early(self, count: int = 1) -> None:
        """The next `count` follow-up pages come back empty while saying `has_more`."""
        with self._lock:
            self._early_ends += count

    def clear(self) -> None:
        with self._lock:
            self._injections.clear()
            self._early_ends = 0

    def _take_injection(self) -> _Injection | None:
        with self._lock:
            while self._injections and self._injections[0].remaining <= 0:
                self._injections.pop(0)
            if not self._injections:
                return None
            self._injections[0].remaining -= 1
            return self._injections[0]

    def _take_early_end(self) -> bool:
        with self._lock:
            if self._early_ends <= 0:
                return False
            self._early_ends -= 1
            return True

    # ---- life cycle ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("the Stripe API is not started")
        return self._url

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self._url = f"http://{host}:{self._runner.addresses[0][1]}"
        return self._url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- the gate every request passes --------------------------------------------------

    def _key_of(self, request: web.Request) -> str:
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return value.strip()
        if scheme.lower() == "basic":
            try:
                return base64.b64decode(value).decode().partition(":")[0]
            except (ValueError, UnicodeDecodeError):
                return ""
        return ""

    def _gate(self, request: web.Request) -> web.Response | None:
        key = self._key_of(request)
        if not key:
            return _error(
                401,
                "invalid_request_error",
                "You did not provide an API key. Provide it in the Authorization header "
                "(Bearer auth).",
            )
        permissions = self.keys.get(key)
        if permissions is None:
            return _error(
                401, "invalid_request_error", f"Invalid API Key provided: {mask_secret(key)}"
            )
        if EVENTS_READ not in permissions:
            return _error(
                403,
                "invalid_request_error",
                f"The provided key '{mask_secret(key)}' does not have the required permissions "
                f"for this endpoint on account '{self.account}'. Having the 'rak_event_read' "
                "permission would allow this request to continue.",
            )
        injected = self._take_injection()
        if injected is None:
            return None
        headers = {"Request-Id": _request_id()}
        if injected.retry_after is not None:
            headers["Retry-After"] = str(injected.retry_after)
        if injected.should_retry is not None:
            headers["Stripe-Should-Retry"] = "true" if injected.should_retry else "false"
        if injected.status == 429:
            body = {
                "error": {
                    "type": "invalid_request_error",
                    "code": "rate_limit",
                    "message": "Request rate limit exceeded. Learn more about rate limits "
                    "here https://stripe.com/docs/rate-limits.",
                }
            }
        else:
            body = {"error": {"type": "api_error", "message": "An unknown error occurred"}}
        return web.json_response(body, status=injected.status, headers=headers)

    def _log(self, request: web.Request, status: int) -> None:
        self.requests.append(
            ApiRequest(
                at=time.monotonic(),
                method=request.method,
                path=request.path,
                query=tuple((k, v) for k, v in request.query.items()),
                status=status,
                key=mask_secret(self._key_of(request)) if self._key_of(request) else "-",
            )
        )

    # ---- handlers -----------------------------------------------------------------------

    async def handle_list(self, request: web.Request) -> web.Response:
        response = self._gate(request) or self._list(request)
        self._log(request, response.status)
        return response

    async def handle_retrieve(self, request: web.Request) -> web.Response:
        response = self._gate(request) or self._retrieve(request.match_info["event_id"])
        self._log(request, response.status)
        return response

    def _retrieve(self, event_id: str) -> web.Response:
        entry = self.ledger.get(event_id)
        if entry is None:
            return _error(
                404,
                "invalid_request_error",
                f"No such event: '{event_id[:80]}'",
                code="resource_missing",
                param="id",
            )
        return web.json_response(
            entry.as_api_object(), headers={"Request-Id": _request_id()}, dumps=_pretty
        )

    def _list(self, request: web.Request) -> web.Response:
        try:
            params = _list_params(request.query)
        except _BadRequest as exc:
            extra = {"param": exc.param} if exc.param else {}
            return _error(400, "invalid_request_error", exc.message, **extra)
        entries = self.ledger.select(
            created=params["created"],
            types=params["types"],
            delivery_success=params["delivery_success"],
        )
        try:
            page, has_more = _page(entries, params)
        except _BadRequest as exc:
            return _error(
                400, "invalid_request_error", exc.message, code="resource_missing", param=exc.param
            )
        if params["starting_after"] and self._take_early_end():
            page, has_more = [], True
        body = {
            "object": "list",
            "url": "/v1/events",
            "has_more": bool(has_more),
            "data": [entry.as_api_object() for entry in page],
        }
        return web.json_response(body, headers={"Request-Id": _request_id()})


def _pretty(data: Any) -> str:
    import json

    return json.dumps(data, indent=2)


def _int(value: str, param: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise _BadRequest(f"Invalid integer: {value[:40]}", param) from None


def _list_params(query: Mapping[str, str]) -> dict[str, Any]:
    created: dict[str, int] = {}
    types: list[str] = []
    single_type: str | None = None
    out: dict[str, Any] = {"limit": 10, "starting_after": None, "ending_before": None}
    delivery: bool | None = None
    for key, value in query.items():  # type: ignore[attr-defined]
        if key == "created":
            created["eq"] = _int(value, key)
        elif key.startswith("created[") and key.endswith("]"):
            op = key[len("created[") : -1]
            if op not in ("gte", "gt", "lte", "lt"):
                raise _BadRequest(f"Received unknown parameter: {key}", key)
            created[op] = _int(value, key)
        elif key == "types[]" or (key.startswith("types[") and key[6:-1].isdigit()):
            types.append(value)
        elif key == "type":
            single_type = value
        elif key == "delivery_success":
            if value not in ("true", "false"):
                raise _BadRequest(f"Invalid boolean: {value[:20]}", key)
            delivery = value == "true"
        elif key == "limit":
            limit = _int(value, key)
            if not 1 <= limit <= 100:
                raise _BadRequest(
                    "This value must be greater than or equal to 1 and less than or equal to 100.",
                    key,
                )
            out["limit"] = limit
        elif key in ("starting_after", "ending_before"):
            out[key] = value
        elif key.startswith("expand"):
            continue
        else:
            raise _BadRequest(f"Received unknown parameter: {key}", key)
    if single_type is not None and types:
        raise _BadRequest("You may pass either `type` or `types`, but not both.", "types")
    if len(types) > 20:
        raise _BadRequest("You may pass at most 20 types.", "types")
    if out["starting_after"] and out["ending_before"]:
        raise _BadRequest(
            "You may only specify one of these parameters: ending_before, starting_after.",
            "starting_after",
        )
    out.update(
        created=created,
        types=types or ([single_type] if single_type else []),
        delivery_success=delivery,
    )
    return out


def _page(entries: list[LedgerEntry], params: Mapping[str, Any]) -> tuple[list[LedgerEntry], bool]:
    limit = int(params["limit"])
    ids = [e.id for e in entries]
    if params["starting_after"]:
        cursor = params["starting_after"]
        if cursor not in ids:
            raise _BadRequest(f"No such event: '{cursor[:80]}'", "starting_after")
        rest = entries[ids.index(cursor) + 1 :]
        return rest[:limit], len(rest) > limit
    if params["ending_before"]:
        cursor = params["ending_before"]
        if cursor not in ids:
            raise _BadRequest(f"No such event: '{cursor[:80]}'", "ending_before")
        before = entries[: ids.index(cursor)]
        return before[-limit:], len(before) > limit
    return entries[:limit], len(entries) > limit


class ThreadedStripeApi:
    """Run a StripeApi on its own event loop in a thread, for synchronous callers:
    `with ThreadedStripeApi(api) as url: ...`."""

    def __init__(self, api: StripeApi) -> None:
        self.api = api
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        return asyncio.run_coroutine_threadsafe(self.api.start(), self._loop).result(10)

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.api.stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
