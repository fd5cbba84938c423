-- description: The audit records of one run of a recovery action, oldest first
-- params: run_id
SELECT run_id, at, phase, action_id, operator, incident_id, detail
FROM {audit_log}
WHERE run_id = %(run_id)s
ORDER BY id
