-- description: Approve or refuse a pending request; only the commander may, never the requester (a commander's own request goes to another operator), and only once, before it expires
-- params: id, status, decided_by, note
UPDATE incident_console.approvals AS a
SET status = %(status)s, decided_by = %(decided_by)s, decided_at = now(),
    decision_note = %(note)s
FROM incident_console.incidents AS i
WHERE a.id = %(id)s
  AND i.id = a.incident_id
  AND a.status = 'pending'
  AND a.expires_at > now()
  AND a.requested_by <> %(decided_by)s
  AND (
      i.commander = %(decided_by)s
      OR (
          i.commander = a.requested_by
          AND NOT EXISTS (
              SELECT 1 FROM incident_console.members AS m
              WHERE m.incident_id = a.incident_id AND m.who = %(decided_by)s
                AND m.role = 'observer'
          )
      )
  )
RETURNING a.*
