-- description: Make someone an operator or an observer of an incident
-- params: incident_id, who, role, set_by
INSERT INTO incident_console.members (incident_id, who, role, set_by)
VALUES (%(incident_id)s, %(who)s, %(role)s, %(set_by)s)
ON CONFLICT (incident_id, who) DO UPDATE
SET role = EXCLUDED.role, set_by = EXCLUDED.set_by, set_at = now()
WHERE members.role IS DISTINCT FROM EXCLUDED.role
