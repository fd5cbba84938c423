-- description: Failed events of the window with whether a retry is allowed: the guide lists every failed row as retryable, but rows at the retry limit and rows whose event_id already has a processed copy must not be retried, and of several failed copies only the newest is
-- source: Recovery Procedures / 2. Data Recovery — "Find failed events that can be retried"
-- params: max_retries, window
-- defaults: {"max_retries": 3, "window": "24 hours"}
SELECT
    \ir ../recovery/include/event_row_columns.sql
    w.error_message,
    w.retry_count,
    EXISTS (
        SELECT 1 FROM webhook_events AS d
        WHERE d.event_id = w.event_id AND d.processed_at IS NOT NULL
    ) AS has_processed_copy,
    (
        \ir ../recovery/include/retryable_failed_event.sql
    ) AS retryable
FROM webhook_events AS w
WHERE
    \ir ../recovery/include/failed_event_in_window.sql
ORDER BY w.created_at DESC
