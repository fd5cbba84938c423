-- description: Change the incident commander only if the lead is still where the caller saw it (two people taking the lead at once: one wins, the other is told)
-- params: id, expected, commander
UPDATE incident_console.incidents
SET commander = %(commander)s
WHERE id = %(id)s AND commander = %(expected)s AND closed_at IS NULL
RETURNING commander
