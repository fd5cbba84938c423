"""One incident, many consoles, as real processes: `incident note` in one, `incident follow
--json` in others; five followers under 20 notes a second; the state database restarted
under them; a note typed while it is down.

Latency is measured as a bridge sees it: from the entry's `at` (taken by the writer just
before its INSERT) to the moment the follower's line is read from its stdout pipe.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support.live_helpers import FollowerProcess, Person, latency_summary, wait_for
from support.metrics_testkit import add_events

from console.core.state import ensure_schema
from console.core.state_place import StatePlace
from console.incidents.approvals import PreviewedWrite
from console.incidents.presence import Identity
from console.incidents.session import SharedIncident
from console.recovery.audit import AuditLog
from console.sim.embedded import EmbeddedPostgres
from tests.conftest import TestDatabase


@pytest.fixture
def state(db: TestDatabase) -> TestDatabase:
    with db.connect() as conn:
        ensure_schema(conn)
    return db


def test_follow_prints_a_note_from_another_process_within_two_seconds(
    state: TestDatabase, tmp_path: Path
) -> None:
    alice, bob = Person("alice", state.dsn, tmp_path), Person("bob", state.dsn, tmp_path)
    opened = alice.json("open", "--title", "checkout down", "--severity", "P0")
    assert opened["opened"] and opened["incident"]["commander"] == "alice"
    follower = FollowerProcess(Person("bridge", state.dsn, tmp_path)).start()
    follower.wait_following()
    noted = bob.json("note", "rolled back deploy 42")
    assert noted["stored"] == "database"
    wait_for(lambda: follower.texts() == ["rolled back deploy 42"], 2, "the note on the follower")
    line = follower.lines[0]
    assert {"at", "kind", "who", "text"} <= set(line.entry)
    assert (line.entry["kind"], line.entry["who"]) == ("note", "bob")
    assert line.latency < 2.0
    shown = bob.json("show")
    assert [p["via"] for p in shown["present"]] == ["follow"]
    assert [e["text"] for e in shown["timeline"]][-1] == "rolled back deploy 42"
    assert follower.stop() == 0  # SIGTERM: exit 0
    gone = bob.json("show")
    assert gone["present"] == []


def test_open_names_the_incident_after_the_top_finding(state: TestDatabase, tmp_path: Path) -> None:
    with state.connect() as conn:
        add_events(conn, 10, oldest=240, newest=20)
        add_events(conn, 12, oldest=200, newest=10, latency=None, error="Invalid signature")
    alice = Person("alice", state.dsn, tmp_path)
    opened = alice.json("open")
    assert opened["incident"]["finding_id"] in {"signature_failures", "high_error_rate"}
    assert opened["incident"]["severity"] == "P1"
    again = alice.json("open", "--title", "a second one")
    assert not again["opened"] and again["incident"]["id"] == opened["incident"]["id"]


def test_headless_verbs_lead_roles_approve_and_close(state: TestDatabase, tmp_path: Path) -> None:
    alice, bob, carol = (Person(n, state.dsn, tmp_path) for n in ("alice", "bob", "carol"))
    incident = alice.json("open", "--title", "stuck orders")["incident"]
    refused = bob.run("lead", "carol", "--json", check=False)
    assert refused.returncode == 1
    assert "only the commander (alice) hands the lead over" in json.loads(refused.stdout)["error"]
    assert bob.json("lead", "--take")["incident"]["commander"] == "bob"
    assert bob.json("role", "carol", "observer")["changed"]
    assert carol.json("show")["role"] == "observer"
    # a request from alice (now an operator) for bob, the commander, to decide
    audit = AuditLog(state.dsn, local_dir=alice.state_dir)
    place = StatePlace(state.dsn, local_dir=alice.state_dir)
    session = SharedIncident(place, Identity(who="alice"), audit=audit)
    current = session.require_current()
    write = PreviewedWrite(
        action_id="reset_failed_events",
        params={"window": "1 hour"},
        row_count=5_000,
        sample=[{"id": 1}],
    )
    asked = session.request_approval(
        current, write, why="5,000 rows, over the two-person threshold of 1,000"
    )
    session.close()
    audit.close()
    shown = bob.json("show")
    assert [(a["id"], a["status"]) for a in shown["approvals"]] == [(str(asked.id), "pending")]
    assert shown["approvals"][0]["sample"] == [{"id": 1}]
    denied = carol.run("approve", "--json", check=False)
    assert denied.returncode == 1 and "observers cannot approve" in denied.stderr
    decided = bob.json("approve", "--note", "ok, one hour only")
    assert decided["approval"] == {"id": str(asked.id), "status": "approved", "by": "bob"}
    assert alice.run("close", check=False).returncode == 1  # not the commander any more
    closed = bob.json("close", "--summary", "fixed by the reset")
    assert closed["incident"]["closed_at"] is not None
    assert bob.json("show")["incident"] is None
    markdown = bob.json("postmortem", incident["id"])["markdown"]
    assert "stuck orders" in markdown


def test_five_followers_twenty_notes_a_second_for_thirty_seconds(
    state: TestDatabase, tmp_path: Path
) -> None:
    writers = [
        SharedIncident(StatePlace(state.dsn, local_dir=tmp_path / n), Identity(who=n))
        for n in ("alice", "bob", "carol", "dave", "erin")
    ]
    incident, _ = writers[0].open("load", "P1")
    followers = [
        FollowerProcess(Person(f"console{n}", state.dsn, tmp_path)).start() for n in range(5)
    ]
    for follower in followers:
        follower.wait_following()
    rate, seconds = 20, 30
    total = rate * seconds
    start = time.monotonic()
    failures: list[str] = []

    def write(index: int, writer: SharedIncident) -> None:
        for n in range(index, total, len(writers)):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)  # pacing the load, not waiting for a result
            _, in_db = writer.note(f"note {n}", incident)
            if not in_db:
                failures.append(writer.store.last_problem)

    threads = [
        threading.Thread(target=write, args=(i, w), daemon=True) for i, w in enumerate(writers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 30)
    assert failures == []
    with psycopg.connect(state.dsn) as conn:
        truth = [
            str(r[0])
            for r in conn.execute(
                "SELECT id FROM incident_console.timeline WHERE kind = 'note' ORDER BY seq"
            )
        ]
    assert len(truth) == total
    for follower in followers:
        wait_for(lambda f=follower: len(f.lines) >= total, 30, "every note on every follower")
    latencies: list[float] = []
    for follower in followers:
        assert follower.ids() == truth  # same entries, same order, none lost, none doubled
        latencies += [line.latency for line in follower.lines]
        assert follower.stop() == 0
    summary = latency_summary(latencies)
    _report("five_followers_20_per_second", summary)
    assert summary["median_ms"] < 1000 and summary["p95_ms"] < 1000, summary  # "within a second"
    for w in writers:
        w.close()


def _report(name: str, summary: dict[str, Any]) -> None:
    print(f"\nlatency {name}: {summary}")


@pytest.fixture
def own_server() -> Any:
    """A server of its own: this test stops and starts it. Its data directory is kept
    across the restart, outside pytest's tmp rotation (other runs may prune that)."""
    data_dir = Path(tempfile.mkdtemp(prefix="ic-restart-"))
    server = EmbeddedPostgres(data_dir=data_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def test_the_state_database_restarting_mid_incident(
    own_server: EmbeddedPostgres, tmp_path: Path
) -> None:
    dsn = own_server.create_database("state")
    with psycopg.connect(dsn, autocommit=True) as conn:
        ensure_schema(conn)
    alice = Person("alice", dsn, tmp_path)
    alice.json("open", "--title", "restart drill")
    # one follower shares alice's state dir (her console: it pushes her local notes back);
    # the other is a bridge elsewhere
    hers = FollowerProcess(alice).start()
    bridge = FollowerProcess(Person("bridge", dsn, tmp_path)).start()
    for f in (hers, bridge):
        f.wait_following()
    for n in range(3):
        alice.json("note", f"before {n}")
    wait_for(lambda: len(bridge.texts()) == 3, 5, "the notes before the restart")
    marks = (len(hers.status), len(bridge.status))
    own_server.stop()
    wait_for(
        lambda: (
            hers.said("state database lost", marks[0])
            and bridge.said("state database lost", marks[1])
        ),
        15,
        "both followers to notice",
    )
    offline = alice.json("note", "typed while the database was down")
    assert offline["stored"] == "local"
    own_server.start()
    wait_for(
        lambda: hers.said("reconnected", marks[0]) and bridge.said("reconnected", marks[1]),
        30,
        "both followers to reconnect",
    )
    for n in range(3):
        alice.json("note", f"after {n}")
    expected = [
        *(f"before {n}" for n in range(3)),
        "typed while the database was down",
        *(f"after {n}" for n in range(3)),
    ]
    for f in (hers, bridge):
        wait_for(lambda f=f: len(f.texts()) >= len(expected), 10, "every note after the restart")
    alice.json("show")  # another push attempt: nothing left to push, nothing doubled
    shown = alice.json("show")
    assert [e["text"] for e in shown["timeline"] if e["kind"] == "note"] == expected
    for f in (hers, bridge):
        assert f.texts() == expected
        assert len(set(f.ids())) == len(f.ids())
        assert f.stop() == 0


def test_a_big_write_waits_for_the_commanders_approval(state: TestDatabase, tmp_path: Path) -> None:
    """`run --apply` during a shared incident: over 1,000 rows, a second person decides."""
    with state.connect() as conn:
        conn.execute(
            "INSERT INTO webhook_events (event_id, event_type, created_at)"
            " SELECT 'evt_dup_' || g, 'payment_intent.succeeded', now() - interval '1 minute'"
            " FROM generate_series(1, 1001) AS g, generate_series(1, 2)"
        )
    alice, bob = Person("alice", state.dsn, tmp_path), Person("bob", state.dsn, tmp_path)
    alice.json("open", "--title", "duplicate events")
    base = ("run", "issue_idempotency", "--apply", "cleanup", "--json")
    why = ("--reason", "duplicates block the unique index")
    preview = json.loads(bob.console(*base, check=False).stdout)
    assert preview["preview"]["count"] == 1001

    def events() -> int:
        with state.connect() as conn:
            return int(conn.execute("SELECT count(*) FROM webhook_events").fetchone()[0])

    asked = bob.console(*base, "--allow-write", *why, "--confirm", "1001", check=False)
    assert asked.returncode == 1
    assert "two-person rule: 1,001 rows, over the two-person threshold of 1,000" in asked.stderr
    assert "asked the commander (alice)" in asked.stderr and "nothing was changed" in asked.stderr
    assert events() == 2002
    waiting = alice.json("show")["approvals"]
    assert [(a["requested_by"], a["rows"], a["status"]) for a in waiting] == [
        ("bob", 1001, "pending")
    ]
    assert len(waiting[0]["sample"]) == 20  # the approver sees what the requester saw
    again = bob.console(*base, "--allow-write", *why, "--confirm", "1001", check=False)
    assert again.returncode == 1 and "waiting for a second person" in again.stderr
    assert alice.json("approve", "--note", "go")["approval"]["status"] == "approved"
    applied = bob.console(*base, "--allow-write", *why, "--confirm", "1001", check=False)
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["result"]["status"] == "applied"
    assert events() == 1001
    with state.connect() as conn:
        audited = conn.execute(
            "SELECT phase, operator, incident_id IS NOT NULL FROM incident_console.audit_log"
            " ORDER BY id"
        ).fetchall()
    assert [tuple(r) for r in audited] == [
        ("approval_requested", "bob", True),
        ("approval_granted", "alice", True),
        ("intent", "bob", True),
        ("outcome", "bob", True),
    ]
    kinds = [e["kind"] for e in alice.json("show")["timeline"]]
    assert kinds.count("approval") == 2 and kinds[-1] == "action_applied"
