-- description: The steps being run right now on an incident, and by whom (live claims only)
-- params: incident_id
SELECT runbook, step, who, client_id, host, claimed_at
FROM incident_console.step_claims
WHERE incident_id = %(incident_id)s AND expires_at > now()
ORDER BY claimed_at
