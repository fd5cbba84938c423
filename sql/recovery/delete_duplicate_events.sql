-- description: Delete the previewed unprocessed duplicates, each only while a kept copy (a processed one, or a newer unprocessed one) still exists; the guide ranked unprocessed rows only, so it kept an unprocessed copy beside a processed one and the event ran twice
-- source: Issue 3: Idempotency Conflicts — Solution 1 "Clean Up Duplicate Events"
-- params: ids
-- defaults: {}
DELETE FROM webhook_events AS w
WHERE w.id = ANY(%(ids)s)
    AND w.processed_at IS NULL
    AND EXISTS (
        SELECT 1 FROM webhook_events AS k
        WHERE k.event_id = w.event_id
            AND k.id <> w.id
            AND (k.processed_at IS NOT NULL OR (k.created_at, k.id) > (w.created_at, w.id))
    )
RETURNING w.id
