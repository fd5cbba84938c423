-- description: One saved headless preview by its plan_id (expired ones too: the caller says so)
-- params: plan_id
SELECT plan FROM incident_console.saved_plans WHERE plan_id = %(plan_id)s
