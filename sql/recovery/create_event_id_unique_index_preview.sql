-- description: Event ids stored more than once: each one would make CREATE UNIQUE INDEX on webhook_events(event_id) fail, so these must be resolved first
-- source: Issue 3: Idempotency Conflicts — Prevention "Implement proper database constraints"
-- params:
-- defaults: {}
SELECT
    w.event_id,
    count(*) AS copies,
    count(w.processed_at) AS processed_copies,
    min(w.created_at) AS first_seen,
    max(w.created_at) AS last_seen
FROM webhook_events AS w
GROUP BY w.event_id
HAVING count(*) > 1
ORDER BY copies DESC, w.event_id
