-- description: Spend an approval on the write it was given for (once: a second apply needs a new approval)
-- params: id, action_id
UPDATE incident_console.approvals
SET status = 'used', used_at = now()
WHERE id = %(id)s AND action_id = %(action_id)s AND status = 'approved'
RETURNING *
