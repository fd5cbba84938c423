-- description: An operator's latest saved preview of one runbook step, expired or not (the caller says which)
-- params: operator, runbook, step
SELECT plan
FROM incident_console.saved_plans
WHERE operator = %(operator)s AND runbook = %(runbook)s AND step = %(step)s
ORDER BY created_at DESC
LIMIT 1
