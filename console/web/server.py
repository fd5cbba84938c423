"""`incident-console serve`: the commander's view of the live incident in a browser.

A small aiohttp app: one static page, `/events` (Server-Sent Events from the one
CommanderFeed of this process) and `/state` (the same as one JSON document, for curl).
There is no route that writes, so the page is read-only by construction, not by a flag;
the DSN never reaches the page. Why not textual-serve (still there: `serve --dashboard`):
it runs a whole console per browser tab, each polling the monitored database, and
draws a terminal in a canvas; this page costs one follower and one collector for any
number of tabs, reads on a phone, and its text is in the DOM.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
from pathlib import Path

from aiohttp import web

from console.core.config import Settings, dsn_host
from console.web.feed import CommanderFeed

STATIC = Path(__file__).resolve().parent / "static"
FEED = web.AppKey("feed", CommanderFeed)
TITLE = web.AppKey("title", str)
KEEPALIVE_SECONDS = 15.0


def page_title(settings: Settings) -> str:
    host = dsn_host(settings.database_url) if settings.database_url else "?"
    return f"incident-console (read-only) — {settings.environment} @ {host}"


async def index(request: web.Request) -> web.Response:
    text = (STATIC / "commander.html").read_text(encoding="utf-8")
    text = text.replace("{{title}}", html.escape(request.app[TITLE]))
    return web.Response(text=text, content_type="text/html", headers={"Cache-Control": "no-store"})


async def state(request: web.Request) -> web.Response:
    feed = request.app[FEED]
    body = {"state": feed.doc, "timeline": [e.as_json() for e in feed.entries]}
    return web.json_response(body, dumps=lambda d: json.dumps(d, default=str))


def _event(kind: str, payload: object) -> bytes:
    return f"event: {kind}\ndata: {json.dumps(payload, default=str)}\n\n".encode()


async def events(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: a reset (the whole timeline), the state, then live changes. A
    browser that loses the stream reconnects by itself and gets a fresh reset."""
    feed = request.app[FEED]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    tab = feed.subscribe()
    try:
        await response.write(b"retry: 1000\n\n")
        while not tab.dropped:
            try:
                kind, payload = await asyncio.wait_for(tab.queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            if kind == "bye":
                break
            await response.write(_event(kind, payload))
    except (ConnectionResetError, ConnectionError):
        pass
    finally:
        feed.unsubscribe(tab)
    return response


def make_app(settings: Settings, feed: CommanderFeed | None = None) -> web.Application:
    app = web.Application()
    app[FEED] = feed or CommanderFeed(settings)
    app[TITLE] = page_title(settings)
    app.router.add_get("/", index)
    app.router.add_get("/events", events)
    app.router.add_get("/state", state)
    app.router.add_static("/static/", STATIC, show_index=False)

    async def started(app: web.Application) -> None:
        await app[FEED].start()

    async def closing(app: web.Application) -> None:
        for tab in list(app[FEED].tabs):
            with contextlib.suppress(asyncio.QueueFull):
                tab.queue.put_nowait(("bye", None))

    async def cleaned(app: web.Application) -> None:
        await app[FEED].stop()

    app.on_startup.append(started)
    app.on_shutdown.append(closing)
    app.on_cleanup.append(cleaned)
    return app


def run(settings: Settings, host: str, port: int) -> None:
    """Serve until SIGINT/SIGTERM (aiohttp's handlers), then leave cleanly."""
    web.run_app(make_app(settings), host=host, port=port, print=None, shutdown_timeout=2.0)
