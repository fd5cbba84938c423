-- description: Unprocessed copies of a duplicated event_id that can go: every unprocessed copy when a processed copy exists (the processed one is kept), otherwise all but the newest unprocessed copy
-- source: Issue 3: Idempotency Conflicts — Solution 1 "Clean Up Duplicate Events"
-- params:
-- defaults: {}
SELECT
    w.id,
    w.event_id,
    w.event_type,
    w.order_id,
    w.created_at,
    w.error_message,
    w.retry_count,
    EXISTS (
        SELECT 1 FROM webhook_events AS p
        WHERE p.event_id = w.event_id AND p.processed_at IS NOT NULL
    ) AS has_processed_copy
FROM webhook_events AS w
WHERE w.processed_at IS NULL
    AND EXISTS (
        SELECT 1 FROM webhook_events AS k
        WHERE k.event_id = w.event_id
            AND k.id <> w.id
            AND (k.processed_at IS NOT NULL OR (k.created_at, k.id) > (w.created_at, w.id))
    )
ORDER BY w.event_id, w.created_at, w.id
