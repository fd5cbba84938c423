-- description: Delete the previewed unprocessed duplicates, keeping a processed copy when there is one. The guide's DELETE ranked only the unprocessed rows, so it kept the newest unprocessed copy even when a processed copy existed (the event would run twice) and ignored processed copies; here a row is deleted only while it is still unprocessed and a better copy of its event (processed, or a newer unprocessed one) still exists
-- source: Issue 3: Idempotency Conflicts, Solution 1 — "Remove duplicate unprocessed events"
-- key: id
-- params: ids, window
-- defaults: {"window": "24 hours"}
DELETE FROM webhook_events AS w
WHERE w.id = ANY(%(ids)s)
    AND w.processed_at IS NULL
    AND EXISTS (
        SELECT 1 FROM webhook_events AS r
        WHERE r.event_id = w.event_id AND r.created_at > now() - %(window)s::interval
    )
    AND EXISTS (
        SELECT 1 FROM webhook_events AS k
        WHERE k.event_id = w.event_id
            AND k.id <> w.id
            AND (
                k.processed_at IS NOT NULL
                OR (k.created_at, k.id) > (w.created_at, w.id)
            )
    )
RETURNING w.id, w.event_id
