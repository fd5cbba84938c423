-- description: Timeline entries after a sequence number, oldest first (one incident, or every incident when incident_id is NULL): how followers catch up
-- params: after, incident_id, limit
SELECT seq, id, incident_id, at, kind, author, text, data
FROM incident_console.timeline
WHERE seq > %(after)s
  AND (%(incident_id)s::uuid IS NULL OR incident_id = %(incident_id)s::uuid)
ORDER BY seq
LIMIT %(limit)s
