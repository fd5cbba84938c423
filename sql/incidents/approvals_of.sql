-- description: An incident's approval requests, newest first, with whether each has expired (server time)
-- params: incident_id
SELECT *, expires_at <= now() AS expired
FROM incident_console.approvals
WHERE incident_id = %(incident_id)s
ORDER BY requested_at DESC
