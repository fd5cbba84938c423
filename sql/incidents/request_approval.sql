-- description: Ask for the second person's approval of a big write, with the preview the requester saw
-- params: id, incident_id, action_id, params, row_count, preview, why, reason, requested_by, ttl_seconds
INSERT INTO incident_console.approvals
    (id, incident_id, action_id, params, row_count, preview, why, reason, requested_by,
     expires_at)
VALUES (
    %(id)s, %(incident_id)s, %(action_id)s, %(params)s::jsonb, %(row_count)s,
    %(preview)s::jsonb, %(why)s, %(reason)s, %(requested_by)s,
    now() + make_interval(secs => %(ttl_seconds)s)
)
ON CONFLICT (id) DO NOTHING
RETURNING *
