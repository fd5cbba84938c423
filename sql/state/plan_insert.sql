-- description: Save one headless preview (its keys, parameters, operator and expiry) until `run --confirm` applies it
-- params: plan_id, created_at, expires_at, operator, runbook, step, action_id, plan
INSERT INTO incident_console.saved_plans
    (plan_id, created_at, expires_at, operator, runbook, step, action_id, plan)
VALUES (%(plan_id)s, %(created_at)s, %(expires_at)s, %(operator)s, %(runbook)s, %(step)s,
    %(action_id)s, %(plan)s::jsonb)
