-- description: The newest timeline sequence number (of one incident, or of all when incident_id is NULL); a follower starting "from now" starts here
-- params: incident_id
SELECT coalesce(max(seq), 0) AS seq
FROM incident_console.timeline
WHERE %(incident_id)s::uuid IS NULL OR incident_id = %(incident_id)s::uuid
