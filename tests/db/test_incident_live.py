"""Live sharing on the state database: commit-ordered sequence, followers, presence, roles,
step claims and the two-person rule, each as a second console would notice it."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from support.live_helpers import wait_for

from console.core.db import connect_sync
from console.core.state import ensure_schema
from console.core.state_place import StatePlace
from console.incidents import approvals
from console.incidents.live import Changed, Follower, Link, LiveEntry, LiveEvent, follow_in_thread
from console.incidents.model import Incident
from console.incidents.presence import Heartbeat, Identity
from console.incidents.roles import NotAllowed
from console.incidents.session import SharedIncident
from console.incidents.store import IncidentStore
from console.recovery.audit import AuditLog
from tests.conftest import TestDatabase


@pytest.fixture
def state(db: TestDatabase) -> TestDatabase:
    with db.connect() as conn:
        ensure_schema(conn)
    return db


def person(state: TestDatabase, tmp_path: Path, who: str) -> SharedIncident:
    audit = AuditLog(state.dsn, local_dir=tmp_path / who)
    place = StatePlace(state.dsn, local_dir=tmp_path / who)
    return SharedIncident(place, Identity(who=who, host="test"), audit=audit)


People = Callable[[str], SharedIncident]


@pytest.fixture
def people(state: TestDatabase, tmp_path: Path) -> Iterator[People]:
    """`people("bob")`: another console on the same incident, closed after the test."""
    made: list[SharedIncident] = []

    def make(who: str) -> SharedIncident:
        made.append(person(state, tmp_path, who))
        return made[-1]

    yield make
    for each in made:
        each.close()


@pytest.fixture
def alice(people: People) -> SharedIncident:
    return people("alice")


@pytest.fixture
def incident(alice: SharedIncident) -> Incident:
    """The incident alice opened; she is its commander."""
    return alice.open("t", "P1")[0]


class Seen:
    """What a follower emitted, in order."""

    def __init__(self) -> None:
        self.events: list[LiveEvent] = []
        self.follower: Follower | None = None

    def __call__(self, event: LiveEvent) -> None:
        self.events.append(event)

    def entries(self) -> list[LiveEntry]:
        return [e for e in self.events if isinstance(e, LiveEntry)]

    def texts(self) -> list[str]:
        return [e.text for e in self.entries()]

    def links(self) -> list[Link]:
        return [e for e in self.events if isinstance(e, Link)]


@contextmanager
def following(state: TestDatabase, incident_id: Any, **options: Any) -> Iterator[Seen]:
    """A follower in its thread, connected before the body runs, stopped after it."""
    seen = Seen()
    seen.follower = Follower(StatePlace(state.dsn), incident_id=incident_id, **options)
    thread, stop = follow_in_thread(seen.follower, seen)
    try:
        wait_for(lambda: seen.links(), 10, "the follower to connect")
        yield seen
    finally:
        stop.set()
        thread.join(5)


def test_init_twice_keeps_the_live_tables_and_numbers_old_entries(
    state: TestDatabase, tmp_path: Path
) -> None:
    alice = person(state, tmp_path, "alice")
    incident, _ = alice.open("checkout down", "P0")
    alice.note("first")
    with state.connect() as conn:
        ensure_schema(conn)
        seqs = [
            r[0] for r in conn.execute("SELECT seq FROM incident_console.timeline ORDER BY seq")
        ]
    assert len(seqs) == 2 and seqs == sorted(set(seqs))
    assert [e.text for e in alice.view(incident).timeline][-1] == "first"
    alice.close()


def test_a_late_commit_is_numbered_after_an_early_one_so_no_follower_skips_it(
    state: TestDatabase, tmp_path: Path, alice: SharedIncident, incident: Incident
) -> None:
    """Writer A takes a number and commits late; B, started later, must wait and come after."""
    with following(state, incident.id) as seen:
        slow = psycopg.connect(state.dsn)
        slow.execute(
            "INSERT INTO incident_console.timeline (id, incident_id, kind, author, text)"
            " VALUES (%s, %s, 'note', 'slow', 'slow writer')",
            (uuid.uuid4(), incident.id),
        )
        fast_done = threading.Event()

        def fast() -> None:
            bob = person(state, tmp_path, "bob")
            bob.note("fast writer", incident)
            bob.close()
            fast_done.set()

        threading.Thread(target=fast, daemon=True).start()
        assert not fast_done.wait(0.5), "the second writer did not wait for the first to commit"
        slow.commit()
        wait_for(lambda: "fast writer" in seen.texts(), 5, "the fast writer's note")
        assert seen.texts()[-2:] == ["slow writer", "fast writer"]
        entries = seen.entries()
        assert [e.seq for e in entries] == sorted(e.seq for e in entries)
    slow.close()


def test_a_follower_catches_up_after_its_connection_is_killed(
    state: TestDatabase, alice: SharedIncident, incident: Incident
) -> None:
    with following(state, incident.id) as seen:
        follower = seen.follower
        assert follower is not None
        alice.note("before")
        wait_for(lambda: "before" in seen.texts(), 5, "the first note")
        with state.connect() as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name LIKE 'incident-console:%:live'"
                " AND datname = current_database()"
            )
            for n in range(5):
                alice.note(f"while reconnecting {n}")
        wait_for(lambda: follower.connects >= 2, 15, "the follower to reconnect")
        alice.note("after")
        wait_for(lambda: "after" in seen.texts(), 5, "the note after the reconnect")
        assert seen.texts() == ["before", *[f"while reconnecting {n}" for n in range(5)], "after"]
        assert any(not link.connected for link in seen.links())


def test_presence_shows_who_is_on_which_screen_and_forgets_the_departed(
    state: TestDatabase, alice: SharedIncident, incident: Incident
) -> None:
    with following(state, incident.id) as seen:
        bob = Identity(who="bob", host="bastion (ssh from 10.0.0.7)", tty="/dev/pts/3")
        beat = Heartbeat(StatePlace(state.dsn), bob, interval=0.2).start()
        beat.show(incident.id, "checklists")
        wait_for(
            lambda: (
                [(p.who, p.screen) for p in alice.view(incident).present] == [("bob", "checklists")]
            ),
            5,
            "bob on the checklists",
        )
        beat.show(incident.id, "timeline")
        wait_for(
            lambda: [p.screen for p in alice.view(incident).present] == ["timeline"],
            5,
            "bob moving",
        )
        assert alice.view(incident).present[0].host.startswith("bastion")
        assert any(isinstance(e, Changed) and e.table == "presence" for e in seen.events)
        beat.stop()
        wait_for(lambda: alice.view(incident).present == [], 5, "bob's presence to go")
        # a console killed without leaving: its row expires on its own
        ghost = Heartbeat(StatePlace(state.dsn), Identity(who="ghost"), ttl=0.5)
        ghost.show(incident.id, "dashboard")
        ghost.beat_once()
        assert [p.who for p in alice.view(incident).present] == ["ghost"]
        wait_for(lambda: alice.view(incident).present == [], 5, "the ghost to expire")


def test_roles_observers_run_nothing_and_the_lead_moves_once(
    people: People, alice: SharedIncident, incident: Incident
) -> None:
    bob, carol = people("bob"), people("carol")
    assert alice.role(incident) == "commander" and bob.role(incident) == "operator"
    with pytest.raises(NotAllowed, match="only the commander"):
        bob.set_role("carol", "observer")
    alice.set_role("carol", "observer")
    with pytest.raises(NotAllowed, match="observers cannot run steps"):
        carol.claim_step(incident, "p1_high_error_rate", "error_patterns")
    with pytest.raises(NotAllowed, match="observers cannot take the lead"):
        carol.lead(None)
    with pytest.raises(NotAllowed, match="only the commander"):
        bob.lead("carol")
    carol.note("observers may still write notes")
    # two people take the lead at once from the same stale view: one wins
    dave = people("dave")
    stale = bob.require_current()
    assert bob.lead(None).commander == "bob"
    with pytest.raises(NotAllowed, match="the lead moved"):
        from console.incidents import roles

        roles.change_lead(dave.db(), stale, "dave", "dave", "operator")
    assert bob.lead("alice").commander == "alice"
    kinds = [(e.kind, e.who) for e in alice.view(incident).timeline]
    assert ("role", "alice") in kinds
    assert [e.data["to"] for e in alice.view(incident).timeline if e.kind == "commander"] == [
        "bob",
        "alice",
    ]


def test_a_step_run_by_someone_else_is_theirs_until_they_finish(
    people: People, alice: SharedIncident, incident: Incident
) -> None:
    bob = people("bob")
    mine = alice.claim_step(incident, "p1", "error_patterns")
    assert mine.mine
    theirs = bob.claim_step(incident, "p1", "error_patterns")
    assert not theirs.mine and theirs.holder is not None
    assert theirs.holder.describe() == "alice is running p1/error_patterns (on test)"
    assert alice.claim_step(incident, "p1", "error_patterns").mine  # ours: extended, not refused
    alice.release_step(incident, "p1", "error_patterns")
    assert bob.claim_step(incident, "p1", "error_patterns").mine
    started = [e.who for e in bob.view(incident).timeline if e.kind == "step_started"]
    assert started == ["alice", "alice", "bob"]


def _ask(asker: SharedIncident, incident: Any, rows: int = 2_345) -> approvals.Approval:
    why = approvals.approval_needed("reset_failed_events", rows)
    write = approvals.PreviewedWrite(
        action_id="reset_failed_events",
        params={"window": "1 hour"},
        row_count=rows,
        sample=[{"id": n} for n in range(50)],
        reason="backlog after the outage",
    )
    return asker.request_approval(incident, write, why=why)


def test_the_two_person_rule_asks_the_commander_and_audits_the_decision(
    state: TestDatabase, people: People, alice: SharedIncident, incident: Incident
) -> None:
    assert approvals.approval_needed("reset_failed_events", 1_000) == ""
    assert "over the two-person threshold of 1,000" in approvals.approval_needed("x", 1_001)
    assert approvals.approval_needed("terminate_backend", 1) == "terminates a database session"
    bob, carol = people("bob"), people("carol")
    asked = _ask(bob, incident)
    assert len(asked.sample) == approvals.SAMPLE_ROWS and asked.row_count == 2_345
    with pytest.raises(NotAllowed, match="you asked for this one"):
        bob.decide(asked.id, approve=True)
    with pytest.raises(NotAllowed, match="only the commander"):
        carol.decide(asked.id, approve=True)
    assert approvals.usable(approvals.get(bob.db(), asked.id), "reset_failed_events", {}, 1) != ""
    decided = alice.decide(asked.id, approve=True, note="go")
    assert decided.status == "approved" and decided.decided_by == "alice"
    with pytest.raises(NotAllowed, match="already approved by alice"):
        alice.decide(asked.id, approve=False)
    fresh = approvals.get(bob.db(), asked.id)
    params = {"window": "1 hour"}
    assert approvals.usable(fresh, "reset_failed_events", params, 2_000) == ""
    assert "more than the 2,345 approved" in approvals.usable(
        fresh, "reset_failed_events", params, 2_346
    )
    assert "parameters differ" in approvals.usable(
        fresh, "reset_failed_events", {"window": "2 hours"}, 10
    )
    assert approvals.spend(bob.db(), asked.id, "reset_failed_events")
    assert not approvals.spend(bob.db(), asked.id, "reset_failed_events")  # once only
    refused = alice.decide(_ask(bob, incident).id, approve=False, note="too wide")
    assert refused.status == "refused"
    with connect_sync(state.dsn) as conn:
        audited = conn.execute(
            "SELECT phase, operator FROM incident_console.audit_log ORDER BY id"
        ).fetchall()
    assert [(r["phase"], r["operator"]) for r in audited] == [
        ("approval_requested", "bob"),
        ("approval_granted", "alice"),
        ("approval_requested", "bob"),
        ("approval_refused", "alice"),
    ]
    texts = [e.text for e in alice.view(incident).timeline if e.kind == "approval"]
    assert texts[1].startswith("approved: reset_failed_events on 2,345 rows, asked by bob")
    assert texts[3].startswith("refused:")


def test_the_commanders_own_request_goes_to_another_operator(
    people: People, alice: SharedIncident, incident: Incident
) -> None:
    bob = people("bob")
    asked = _ask(alice, incident)
    with pytest.raises(NotAllowed, match="you asked for this one"):
        alice.decide(asked.id, approve=True)
    assert bob.decide(asked.id, approve=True).decided_by == "bob"


def test_a_note_while_the_database_is_down_is_kept_and_pushed_once(
    tmp_path: Path, alice: SharedIncident, incident: Incident
) -> None:
    offline = SharedIncident(
        StatePlace(
            "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1", local_dir=tmp_path / "alice"
        ),
        Identity(who="alice"),
    )
    assert offline.current() == incident  # remembered from when the database answered
    entry, in_db = offline.note("typed while the database was down")
    assert not in_db
    assert [e.id for e in offline.view(incident).pending] == [entry.id]
    offline.close()
    for _ in range(2):  # pushed once; a second push finds nothing
        alice.push_local()
    texts = [e.text for e in alice.view(incident).timeline]
    assert texts.count("typed while the database was down") == 1
    assert alice.view(incident).pending == []


def test_the_store_writes_of_other_modules_reach_followers_too(
    state: TestDatabase, tmp_path: Path
) -> None:
    """The trigger announces every writer: the plain IncidentStore here."""
    store = IncidentStore(StatePlace(state.dsn, local_dir=tmp_path / "s"))
    incident = store.open_incident("t", "P1", "alice", "alice")
    with following(state, incident.id) as seen:
        store.record_step(incident, author="alice", runbook="p1", step="s", verdict="ok", rows=3)
        wait_for(lambda: [e.kind for e in seen.entries()] == ["step"], 5, "the step entry")
        assert seen.links()[0].mode == "listen"
    store.close()


def test_a_follower_that_cannot_listen_polls_and_still_sees_every_entry(
    state: TestDatabase, alice: SharedIncident, incident: Incident
) -> None:
    """Behind a transaction-mode pooler LISTEN is not passed through: polling instead."""
    with following(state, incident.id, listen=False) as seen:
        assert seen.links()[0].mode == "poll"
        for n in range(3):
            alice.note(f"polled {n}")
        wait_for(lambda: len(seen.texts()) == 3, 3, "the notes, by polling")
        assert seen.texts() == ["polled 0", "polled 1", "polled 2"]


def test_the_requester_can_withdraw_a_waiting_request(
    people: People, alice: SharedIncident, incident: Incident
) -> None:
    bob = people("bob")
    asked = _ask(bob, incident)
    assert approvals.withdraw(alice.db(), asked.id, "alice") is None  # not hers
    withdrawn = approvals.withdraw(bob.db(), asked.id, "bob")
    assert withdrawn is not None and withdrawn.status == "withdrawn"
    with pytest.raises(NotAllowed, match="already withdrawn"):
        alice.decide(asked.id, approve=True)
    assert alice.pending_approval(incident) is None


def test_the_rule_at_apply_asks_waits_then_spends_the_approval_once(
    people: People, alice: SharedIncident, incident: Incident
) -> None:
    from console.incidents.two_person import ApprovalPending, ApprovalRefused, TwoPersonRule

    bob = people("bob")
    rule = TwoPersonRule(bob)
    write = approvals.PreviewedWrite(
        action_id="reset_failed_events",
        params={"window": "1 hour"},
        row_count=2_345,
        sample=[{"id": 1}],
        plan_id="plan-1",
    )
    assert rule.before_apply(None, write) is None  # no incident: nobody to ask
    assert TwoPersonRule(alice).before_apply(incident, write) is None  # the commander's own
    assert rule.before_apply(incident, replace(write, row_count=12)) is None  # small
    with pytest.raises(ApprovalPending, match=r"asked the commander \(alice\)"):
        rule.before_apply(incident, write)
    with pytest.raises(ApprovalPending, match="waiting for a second person"):
        rule.before_apply(incident, write)
    waiting = alice.pending_approval(incident)
    assert waiting is not None and waiting.requested_by == "bob"
    alice.decide(waiting.id, approve=True)
    spent = rule.before_apply(incident, replace(write, row_count=2_000))  # fewer rows: fine
    assert spent is not None and spent.id == waiting.id
    rule.after_refusal(spent)  # the apply was refused before writing: still good
    assert rule.before_apply(incident, write) is not None
    with pytest.raises(ApprovalPending, match="asked the commander"):  # used up: ask again
        rule.before_apply(incident, write)
    again = alice.pending_approval(incident)
    assert again is not None
    alice.decide(again.id, approve=False, note="not during the sale")
    with pytest.raises(ApprovalRefused, match=r"alice refused .*not during the sale"):
        rule.before_apply(incident, write)
    with pytest.raises(ApprovalPending, match="asked"):  # a new preview may ask anew
        rule.before_apply(incident, replace(write, plan_id="plan-2"))
    terminate = replace(write, action_id="terminate_backend", row_count=1, params={"pid": 7})
    with pytest.raises(ApprovalPending, match="terminates a database session"):
        rule.before_apply(incident, terminate)


def test_a_follower_configured_behind_a_transaction_pooler_polls(state: TestDatabase) -> None:
    from console.core.db import SessionLimits

    follower = Follower(StatePlace(state.dsn, limits=SessionLimits(pooler="transaction")))
    assert not follower.listen
    assert Follower(StatePlace(state.dsn, limits=SessionLimits(pooler="auto"))).listen
