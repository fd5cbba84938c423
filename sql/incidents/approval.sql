-- description: One approval request by id, with whether it has expired (server time)
-- params: id
SELECT *, expires_at <= now() AS expired
FROM incident_console.approvals
WHERE id = %(id)s
