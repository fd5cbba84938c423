-- description: The console's own state: incidents, their timelines and the audit log of recovery actions (schema incident_console, created by `incident-console init`; idempotent)
-- Two `init`s at the same moment would race on CREATE ... IF NOT EXISTS: the first
-- statement serialises them (the lock is held until the transaction ends).
SELECT pg_advisory_xact_lock(hashtext('incident_console.init'));

CREATE SCHEMA IF NOT EXISTS incident_console;

CREATE TABLE IF NOT EXISTS incident_console.incidents (
    id uuid PRIMARY KEY,
    title text NOT NULL,
    severity text NOT NULL CHECK (severity IN ('P0', 'P1', 'P2')),
    commander text NOT NULL,
    opened_by text NOT NULL,
    opened_at timestamptz NOT NULL DEFAULT now(),
    closed_at timestamptz,
    closed_by text,
    summary text NOT NULL DEFAULT '',
    finding_id text,
    issue_type text
);

CREATE INDEX IF NOT EXISTS incidents_open_idx
    ON incident_console.incidents (opened_at) WHERE closed_at IS NULL;

CREATE TABLE IF NOT EXISTS incident_console.timeline (
    id uuid PRIMARY KEY,
    incident_id uuid NOT NULL REFERENCES incident_console.incidents (id) ON DELETE CASCADE,
    at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL,
    author text NOT NULL,
    text text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX IF NOT EXISTS timeline_incident_at_idx
    ON incident_console.timeline (incident_id, at);

CREATE TABLE IF NOT EXISTS incident_console.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id uuid NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    phase text NOT NULL,
    action_id text NOT NULL,
    operator text NOT NULL,
    incident_id uuid,
    detail jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX IF NOT EXISTS audit_log_run_idx ON incident_console.audit_log (run_id, id);

-- Tamper evidence (console/recovery/audit_chain.py): each record carries the hash of the
-- one before it and its own; `incident-console audit verify` recomputes the chain.
ALTER TABLE incident_console.audit_log ADD COLUMN IF NOT EXISTS prev_hash text;
ALTER TABLE incident_console.audit_log ADD COLUMN IF NOT EXISTS hash text;

-- Headless previews kept until confirmed (console/recovery/saved_plans.py): `run --apply
-- STEP` stores the previewed keys, `--confirm` applies exactly those, never a new preview.
CREATE TABLE IF NOT EXISTS incident_console.saved_plans (
    plan_id uuid PRIMARY KEY,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    operator text NOT NULL,
    runbook text NOT NULL,
    step text NOT NULL,
    action_id text NOT NULL,
    plan jsonb NOT NULL
);

CREATE INDEX IF NOT EXISTS saved_plans_latest_idx
    ON incident_console.saved_plans (operator, runbook, step, created_at);
