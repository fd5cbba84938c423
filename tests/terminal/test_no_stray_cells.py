"""A screen that never lies (issue 12): over live demo polling, the help dialog and the
checklist index show only their own cells, as a real terminal (tmux) holds them; and the
demo's timeline opens on the state schema the demo created.

The dashboard repaints cell by cell (screens/widgets/quiet.py); nothing it draws may
land on a dialog or a screen in front of it. Block glyphs are what a sparkline is drawn
with (scrollbar thumbs are whole reverse-video cells), so any block glyph inside the help
dialog, or anywhere on the checklist index, is a cell the screen did not draw.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from support.terminal import ROOT, Tmux, wait_until_gone

BLOCKS = set("▁▂▃▄▅▆▇█▉▊▋▌▍▎▏")
CLOCK = re.compile(r"\d\d:\d\d:\d\d")
HOLD_SECONDS = 10.0


def toast_cells(lines: list[str]) -> set[tuple[int, int]]:
    """The cells of a notification ("Finding fired …", issue 12): Textual draws its toasts
    on the screen in front, over a dialog too, with a `▌` left edge; they are that screen's
    own cells, not a repaint from behind."""
    cells: set[tuple[int, int]] = set()
    for y, line in enumerate(lines):
        at = line.find("▌ Finding fired")
        if at < 0:
            continue
        rows = [y]
        for step in (-1, 1):
            z = y + step
            while 0 <= z < len(lines) and len(lines[z]) > at and lines[z][at] == "▌":
                rows.append(z)
                z += step
        cells |= {(z, x) for z in rows for x in range(at, len(lines[z]))}
    return cells


def stray_in_help(screen: str) -> list[tuple[int, int, str]]:
    """Block glyphs inside the help dialog's frame (its borders are block glyphs), but for
    a notification's cells drawn over it."""
    lines = screen.splitlines()
    top = next(y for y, line in enumerate(lines) if "▀ Help" in line)
    left, right = lines[top].index("█▀"), lines[top].rindex("█")
    toast = toast_cells(lines)
    stray = []
    for y in range(top + 1, len(lines)):
        row = lines[y]
        seen = [x for x in range(left + 1, min(right, len(row))) if (y, x) not in toast]
        if seen and sum(row[x] == "▄" for x in seen) > len(seen) // 2:
            break  # the bottom border
        stray += [(y, x, row[x]) for x in seen if row[x] in BLOCKS]
    return stray


def test_a_notification_over_the_help_is_the_screens_own_but_a_sparkline_is_not() -> None:
    """The check itself, on the screen CI once saw: a toast over help's lower right corner."""
    frame = "█▀ Help " + "▀" * 20 + "█"
    rows = [
        frame,
        "█  r     │ Poll now  ▌" + " " * 5 + "█",
        "█  q     │ Quit      ▌ Finding fired",
        "█  ?     │ Help      ▌ P1 Stuck orders",
        "█▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▌ press ! to open",
        "  sparkline ▅▅       ▌",
    ]
    assert stray_in_help("\n".join(rows)) == []
    rows[2] = "█  q  ▅▅ │ Quit      ▌ Finding fired"
    assert stray_in_help("\n".join(rows)) == [(2, 6, "▅"), (2, 7, "▅")]


def stray_in_index(screen: str) -> list[tuple[int, int, str]]:
    """Block glyphs below the status bar, but for the footer's own `▏` and a notification."""
    lines = screen.splitlines()
    toast = toast_cells(lines)
    return [
        (y, x, c)
        for y, row in enumerate(lines[1:], start=1)
        if "^p palette" not in row
        for x, c in enumerate(row)
        if c in BLOCKS and (y, x) not in toast
    ]


def hold(tmux: Tmux, stray: object, what: str) -> int:
    """Watch the screen for HOLD_SECONDS; returns how many distinct clock readings the
    status bar showed (the app was live). Fails on the first stray cell."""
    clocks: set[str] = set()
    deadline = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < deadline:
        screen = tmux.screen()
        found = stray(screen)  # type: ignore[operator]
        assert not found, f"stray cells in the {what} at (row, column, glyph) {found}:\n{screen}"
        clocks.update(CLOCK.findall(screen.splitlines()[0]))
        time.sleep(0.25)  # the sampling interval of this watch
    return len(clocks)


@pytest.mark.parametrize("size", [(80, 24), (100, 30)], ids=["80x24", "100x30"])
def test_help_and_checklist_index_show_only_their_own_cells(
    tmux: Tmux, tmp_path: Path, size: tuple[int, int]
) -> None:
    demo_tmp = tmp_path / "demo-tmp"
    demo_tmp.mkdir()
    env = f"PYTHONPATH={ROOT} TERM=xterm-256color TMPDIR={demo_tmp}"
    command = (
        f"env {env} {sys.executable} -m console demo --seed 5 --scenario stuck_orders"
        "; echo DEMO-EXITED:$?"
    )
    columns, rows = size
    tmux.start(f"{command}; sleep 60", columns=columns, rows=rows)
    try:
        tmux.wait_for(r"\d[\d,]* in 1h", 90)  # live data on the dashboard
        tmux.send_keys("?")
        before = CLOCK.findall(tmux.wait_for(r"▀ Help", 15).splitlines()[0])
        hold(tmux, stray_in_help, "help dialog")
        tmux.send_keys("Escape")
        shown = tmux.wait_for(r"^(?![\s\S]*▀ Help)[\s\S]*Throughput", 15)  # help closed
        assert CLOCK.findall(shown.splitlines()[0]) != before  # the app stayed live
        tmux.send_keys("c")
        tmux.wait_for(r"Checklists: ", 15)
        assert hold(tmux, stray_in_index, "checklist index") >= 5
        # the demo made its own state schema: the timeline works, no "run init"
        tmux.send_keys("t")
        screen = tmux.wait_for(r"No incident open", 15)
        assert "schema is missing" not in screen, screen
        tmux.send_keys("q")
        # a clean quit, before the terminal goes away (not a hang-up mid-shutdown)
        assert "DEMO-EXITED:0" in tmux.wait_for(r"DEMO-EXITED:\d+", 60)
    finally:
        tmux.kill()
    assert wait_until_gone(str(demo_tmp)) == [], "the demo left a postgres running"
