-- description: The roles set on an incident (the commander is incidents.commander; anyone not listed is an operator)
-- params: incident_id
SELECT who, role, set_by, set_at
FROM incident_console.members
WHERE incident_id = %(incident_id)s
ORDER BY who
