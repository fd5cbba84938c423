-- description: One incident by id (what a console re-reads when the incident row changed)
-- params: id
SELECT * FROM incident_console.incidents WHERE id = %(id)s
