-- description: Unprocessed duplicate copies that will be deleted, for event_ids seen in the window, with the copy that stays: a processed copy when there is one (earliest processed), otherwise the newest unprocessed copy. Processed copies are never deleted
-- source: Issue 3: Idempotency Conflicts, Solution 1 — "Remove duplicate unprocessed events"
-- key: id
-- params: window
-- defaults: {"window": "24 hours"}
WITH
    \ir include/duplicated_event_ids.sql
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
FROM (
    SELECT
        \ir include/event_row_columns.sql
        w.processed_at,
        w.error_message,
        row_number() OVER keep_order AS rn,
        first_value(w.id) OVER keep_order AS kept_id,
        first_value(w.processed_at IS NOT NULL) OVER keep_order AS kept_is_processed,
        count(*) OVER (PARTITION BY w.event_id) AS copies
    FROM webhook_events AS w
    JOIN duplicated AS d ON d.event_id = w.event_id
    WINDOW keep_order AS (
        PARTITION BY w.event_id
        ORDER BY w.processed_at IS NULL, w.processed_at, w.created_at DESC, w.id DESC
    )
) AS ranked
WHERE rn > 1
    AND processed_at IS NULL
ORDER BY event_id, created_at, id
