"""The commander's view in a real headless browser (the distribution's Chromium): the page
loads, a note added from another process appears without a reload, markup in a note stays
text, the lead changing shows, and a screenshot is taken."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from support.browser import CHROMIUM, Browser
from support.live_helpers import Person, environment, wait_for
from support.metrics_testkit import add_events

from console.core.state import ensure_schema
from console.sim.embedded import free_port
from tests.conftest import TestDatabase

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (.ci/run installs the distribution's)"
)

TIMELINE = "document.getElementById('timeline').innerText"


def _serve(dsn: str, home: Path, port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "console", "serve", "--port", str(port)],
        env=environment(dsn, "commander-screen", home / "serve"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                return reply.status == 200
        except OSError:
            return False

    wait_for(answers, 30, "serve to answer", every=0.2)
    return proc


async def test_the_commander_sees_a_note_from_another_console_without_a_reload(
    db: TestDatabase, tmp_path: Path
) -> None:
    with db.connect() as conn:
        ensure_schema(conn)
        add_events(conn, 10, oldest=240, newest=20)
        add_events(conn, 12, oldest=200, newest=10, latency=None, error="Invalid signature")
    alice, bob = Person("alice", db.dsn, tmp_path), Person("bob", db.dsn, tmp_path)
    alice.json("open", "--title", "checkout down", "--severity", "P0")
    port = free_port()
    server = _serve(db.dsn, tmp_path, port)
    try:
        async with Browser(tmp_path / "chromium-profile") as page:
            await page.goto(f"http://127.0.0.1:{port}/")
            await page.wait_for(
                "document.getElementById('title').textContent === 'checkout down'", 20, "the title"
            )
            await page.wait_for(f"{TIMELINE}.includes('incident opened')", 10, "the timeline")
            await page.wait_for(
                "document.getElementById('findings').innerText.includes('ignature')",
                30,
                "the firing finding",
            )
            assert "incident-console (read-only)" in await page.evaluate("document.title")
            assert db.dsn not in await page.evaluate("document.documentElement.outerHTML")
            await page.evaluate("window.__sameDocument = 'yes'")

            note = "rolled back deploy 42 <img src=x onerror=window.__pwned=1>"
            before = time.time()
            bob.json("note", note)
            await page.wait_for(f"{TIMELINE}.includes('rolled back deploy 42')", 5, "the note")
            shown_after = time.time() - before
            assert await page.evaluate("window.__sameDocument") == "yes"  # no reload
            assert note in await page.evaluate(TIMELINE)  # the markup is text
            assert await page.evaluate("window.__pwned") is None
            assert await page.evaluate("document.querySelectorAll('#timeline img').length") == 0

            bob.json("lead", "--take")
            await page.wait_for(
                "document.getElementById('lead').textContent === 'commander bob'", 5, "the lead"
            )
            await page.wait_for(
                "document.getElementById('present').innerText.includes('browser')",
                10,
                "the page's own presence",
            )
            png = await page.screenshot(tmp_path / "commander.png")
            assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
            assert await page.evaluate("window.__sameDocument") == "yes"
        print(f"\nbrowser: the note showed {shown_after:.2f} s after `incident note` started")
        keep = os.environ.get("INCIDENT_CONSOLE_SCREENSHOT")
        if keep:
            Path(keep).write_bytes(png)
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(15) == 0
