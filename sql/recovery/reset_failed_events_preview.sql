-- description: Failed events that will be reset for retry: unprocessed, with an error, below max_retries, created in the window, with no processed copy of the same event_id, and only the newest unprocessed copy of an event (so a duplicated event is not retried twice)
-- source: Recovery Procedures / 2. Data Recovery — "Reset failed events for retry"
-- key: id
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
    AND NOT EXISTS (
        SELECT 1 FROM webhook_events AS n
        WHERE n.event_id = w.event_id
            AND n.processed_at IS NULL
            AND (n.created_at, n.id) > (w.created_at, w.id)
    )
ORDER BY w.created_at, w.id
