-- description: Live sharing of one incident between consoles: the timeline's sequence, the notifications that announce changes, presence, roles, step claims and the two-person rule's approvals (applied by `incident-console init` after console_state.sql; idempotent)
--
-- Why triggers: every writer of these tables (the incident store, its local-fallback push,
-- recovery's timeline records, a psql session at 3 a.m.) announces its change without
-- knowing about live sharing, and the notification is sent exactly when the row commits
-- (NOTIFY is transactional). The payload is only a hint (table, incident, seq): followers
-- read the rows themselves, so a lost notification costs latency, never an entry.

-- The timeline's sequence: followers catch up with `seq > last seen`. A sequence alone is
-- not enough (a writer that took 11 may commit before the one that took 10, and a
-- follower that read 11 would never see 10), so the BEFORE INSERT trigger takes a
-- transaction-scoped advisory lock before it draws the number: numbers are drawn in
-- commit order. Timeline writes are short and rare (notes, steps), so one lock is cheap.
CREATE SEQUENCE IF NOT EXISTS incident_console.timeline_seq;

ALTER TABLE incident_console.timeline ADD COLUMN IF NOT EXISTS seq bigint;

UPDATE incident_console.timeline AS t
SET seq = numbered.seq
FROM (
    SELECT ordered.id, nextval('incident_console.timeline_seq') AS seq
    FROM (
        SELECT id FROM incident_console.timeline WHERE seq IS NULL ORDER BY at, id
    ) AS ordered
) AS numbered
WHERE t.id = numbered.id;

-- No column default: only the trigger draws a number (after its lock), once per row; a
-- table without the trigger refuses inserts instead of numbering them out of commit
-- order. Numbers may still skip (a replayed entry that was already there draws one), so
-- followers rely on order, never on the absence of gaps.
ALTER TABLE incident_console.timeline ALTER COLUMN seq DROP DEFAULT;
ALTER TABLE incident_console.timeline ALTER COLUMN seq SET NOT NULL;
ALTER SEQUENCE incident_console.timeline_seq OWNED BY incident_console.timeline.seq;

CREATE UNIQUE INDEX IF NOT EXISTS timeline_seq_idx ON incident_console.timeline (seq);
CREATE INDEX IF NOT EXISTS timeline_incident_seq_idx
    ON incident_console.timeline (incident_id, seq);

CREATE OR REPLACE FUNCTION incident_console.timeline_in_commit_order() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Held until COMMIT: the next writer draws its number only once this row is visible.
    PERFORM pg_advisory_xact_lock(hashtext('incident_console'), hashtext('timeline_seq'));
    NEW.seq := nextval('incident_console.timeline_seq');
    RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER timeline_in_commit_order
    BEFORE INSERT ON incident_console.timeline
    FOR EACH ROW EXECUTE FUNCTION incident_console.timeline_in_commit_order();

-- One channel, `incident_console`; the payload names the table, the operation, the
-- incident and (for the timeline) the entry's seq and id. Always well under NOTIFY's
-- 8000-byte limit: no text travels in it.
CREATE OR REPLACE FUNCTION incident_console.announce() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed jsonb;
BEGIN
    IF TG_OP = 'DELETE' THEN
        changed := to_jsonb(OLD);
    ELSE
        changed := to_jsonb(NEW);
    END IF;
    PERFORM pg_notify(
        'incident_console',
        jsonb_build_object(
            'table', TG_TABLE_NAME,
            'op', lower(TG_OP),
            'incident', coalesce(changed ->> 'incident_id', changed ->> 'id'),
            'seq', changed -> 'seq',
            'id', changed ->> 'id'
        )::text
    );
    RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER timeline_announce
    AFTER INSERT ON incident_console.timeline
    FOR EACH ROW EXECUTE FUNCTION incident_console.announce();

CREATE OR REPLACE TRIGGER incidents_announce
    AFTER INSERT OR UPDATE ON incident_console.incidents
    FOR EACH ROW EXECUTE FUNCTION incident_console.announce();

-- Presence: one row per running console (or browser page, or follower), kept alive by a
-- heartbeat; a row past `expires_at` is a console that went away without saying so.
-- Times are the server's, so clocks that disagree between laptops do not matter.
CREATE TABLE IF NOT EXISTS incident_console.presence (
    client_id uuid PRIMARY KEY,
    incident_id uuid REFERENCES incident_console.incidents (id) ON DELETE CASCADE,
    who text NOT NULL,
    host text NOT NULL DEFAULT '',
    tty text NOT NULL DEFAULT '',
    via text NOT NULL DEFAULT 'terminal',
    screen text NOT NULL DEFAULT '',
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS presence_incident_idx
    ON incident_console.presence (incident_id, expires_at);

-- A heartbeat that changes nothing but the clock is not news: announce arrivals,
-- departures and moves between screens only.
CREATE OR REPLACE TRIGGER presence_announce
    AFTER INSERT OR DELETE ON incident_console.presence
    FOR EACH ROW EXECUTE FUNCTION incident_console.announce();

CREATE OR REPLACE TRIGGER presence_announce_moves
    AFTER UPDATE ON incident_console.presence
    FOR EACH ROW
    WHEN (
        OLD.screen IS DISTINCT FROM NEW.screen
        OR OLD.incident_id IS DISTINCT FROM NEW.incident_id
        OR OLD.expires_at < now()
    )
    EXECUTE FUNCTION incident_console.announce();

-- Roles: the commander is `incidents.commander`; everyone else is an operator unless made
-- (or joined as) an observer. Observers cannot run steps or actions.
CREATE TABLE IF NOT EXISTS incident_console.members (
    incident_id uuid NOT NULL REFERENCES incident_console.incidents (id) ON DELETE CASCADE,
    who text NOT NULL,
    role text NOT NULL CHECK (role IN ('operator', 'observer')),
    set_by text NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (incident_id, who)
);

CREATE OR REPLACE TRIGGER members_announce
    AFTER INSERT OR UPDATE OR DELETE ON incident_console.members
    FOR EACH ROW EXECUTE FUNCTION incident_console.announce();

-- Step claims: the step someone is running now, so a second console shows it as theirs
-- (and waits for its result) instead of running it twice. A claim expires on its own if
-- its console dies mid-step.
CREATE TABLE IF NOT EXISTS incident_console.step_claims (
    incident_id uuid NOT NULL REFERENCES incident_console.incidents (id) ON DELETE CASCADE,
    runbook text NOT NULL,
    step text NOT NULL,
    who text NOT NULL,
    client_id uuid NOT NULL,
    host text NOT NULL DEFAULT '',
    claimed_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (incident_id, runbook, step)
);

CREATE OR REPLACE TRIGGER step_claims_announce
    AFTER INSERT OR UPDATE OR DELETE ON incident_console.step_claims
    FOR EACH ROW EXECUTE FUNCTION incident_console.announce();

-- The two-person rule: a big write (over the row threshold, or any terminate) waits for a
-- second person's decision. The row keeps what the requester saw (count and sample), so
-- the approver decides on the same preview. Decisions are also written to the audit log.
CREATE TABLE IF NOT EXISTS incident_console.approvals (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incident_console.incidents (id) ON DELETE CASCADE,
    action_id text NOT NULL,
    params jsonb NOT NULL DEFAULT '{}',
    row_count bigint NOT NULL,
    preview jsonb NOT NULL DEFAULT '{}',
    why text NOT NULL,
    reason text NOT NULL DEFAULT '',
    requested_by text NOT NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'approved', 'refused', 'used', 'withdrawn')),
    decided_by text,
    decided_at timestamptz,
    decision_note text NOT NULL DEFAULT '',
    used_at timestamptz
);

CREATE INDEX IF NOT EXISTS approvals_incident_idx
    ON incident_console.approvals (incident_id, status);

CREATE OR REPLACE TRIGGER approvals_announce
    AFTER INSERT OR UPDATE ON incident_console.approvals
    FOR EACH ROW EXECUTE FUNCTION incident_console.announce();
