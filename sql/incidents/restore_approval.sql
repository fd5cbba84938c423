-- description: Give back an approval spent on an apply that was refused before it wrote anything (the lock was held elsewhere, the token was wrong), so the same write can go ahead when retried
-- params: id
UPDATE incident_console.approvals
SET status = 'approved', used_at = NULL
WHERE id = %(id)s AND status = 'used'
RETURNING *
