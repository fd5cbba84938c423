-- description: One incident by id
-- params: id
SELECT * FROM incident_console.incidents WHERE id = %(id)s
