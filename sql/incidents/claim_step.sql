-- description: Claim a runbook step before running it; returns a row only if the claim is ours (free, expired, or already ours)
-- params: incident_id, runbook, step, who, client_id, host, ttl_seconds
INSERT INTO incident_console.step_claims
    (incident_id, runbook, step, who, client_id, host, expires_at)
VALUES (
    %(incident_id)s, %(runbook)s, %(step)s, %(who)s, %(client_id)s, %(host)s,
    now() + make_interval(secs => %(ttl_seconds)s)
)
ON CONFLICT (incident_id, runbook, step) DO UPDATE
SET who = EXCLUDED.who,
    client_id = EXCLUDED.client_id,
    host = EXCLUDED.host,
    claimed_at = now(),
    expires_at = EXCLUDED.expires_at
WHERE step_claims.expires_at < now() OR step_claims.client_id = EXCLUDED.client_id
RETURNING who, client_id, claimed_at
