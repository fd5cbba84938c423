-- description: The requester withdraws a request still pending
-- params: id, requested_by
UPDATE incident_console.approvals
SET status = 'withdrawn', decided_by = %(requested_by)s, decided_at = now()
WHERE id = %(id)s AND requested_by = %(requested_by)s AND status = 'pending'
RETURNING *
