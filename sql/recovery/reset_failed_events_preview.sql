-- description: Failed events that may be retried: unprocessed, with an error, below the retry limit, created in the window, and with no processed copy of the same event_id
-- source: Recovery Procedures / 2. Data Recovery — "Reset failed events for retry"
-- params: max_retries, window
-- defaults: {"max_retries": 3, "window": "24 hours"}
SELECT
    w.id,
    w.event_id,
    w.event_type,
    w.order_id,
    w.created_at,
    w.error_message,
    w.retry_count
FROM webhook_events AS w
WHERE w.processed_at IS NULL
    AND w.error_message IS NOT NULL
    AND w.retry_count < %(max_retries)s
    AND w.created_at > now() - %(window)s::interval
    AND NOT EXISTS (
        SELECT 1 FROM webhook_events AS d
        WHERE d.event_id = w.event_id AND d.processed_at IS NOT NULL
    )
ORDER BY w.created_at, w.id
