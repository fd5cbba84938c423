-- description: Unprocessed duplicate copies that will be deleted, for event_ids seen in the window, with the copy that stays: a processed copy when there is one (earliest processed), otherwise the newest unprocessed copy. Processed copies are never deleted
-- source: Issue 3: Idempotency Conflicts, Solution 1 — "Remove duplicate unprocessed events"
-- key: id
-- params: window
-- defaults: {"window": "24 hours"}
WITH recent AS (
    SELECT DISTINCT event_id
    FROM webhook_events
    WHERE created_at > now() - %(window)s::interval
),
ranked AS (
    SELECT
        w.id,
        w.event_id,
        w.event_type,
        w.order_id,
        w.created_at,
        w.processed_at,
        w.error_message,
        row_number() OVER keep_order AS rn,
        first_value(w.id) OVER keep_order AS kept_id,
        first_value(w.processed_at IS NOT NULL) OVER keep_order AS kept_is_processed,
        count(*) OVER (PARTITION BY w.event_id) AS copies
    FROM webhook_events AS w
    JOIN recent AS r ON r.event_id = w.event_id
    WINDOW keep_order AS (
        PARTITION BY w.event_id
        ORDER BY w.processed_at IS NULL, w.processed_at, w.created_at DESC, w.id DESC
    )
)
SELECT
    id,
    event_id,
    event_type,
    order_id,
    created_at,
    error_message,
    copies,
    kept_id,
    kept_is_processed
FROM ranked
WHERE rn > 1
    AND processed_at IS NULL
ORDER BY event_id, created_at, id
