-- description: Release our claim on a step (finished, failed or abandoned)
-- params: incident_id, runbook, step, client_id
DELETE FROM incident_console.step_claims
WHERE incident_id = %(incident_id)s AND runbook = %(runbook)s AND step = %(step)s
  AND client_id = %(client_id)s
