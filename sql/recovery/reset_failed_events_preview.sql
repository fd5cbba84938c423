-- description: Failed events that will be reset for retry: unprocessed, with an error, below max_retries, created in the window, with no processed copy of the same event_id, and only the newest unprocessed copy of an event (so a duplicated event is not retried twice)
-- source: Recovery Procedures / 2. Data Recovery — "Reset failed events for retry"
-- key: id
-- params: max_retries, window
-- defaults: {"max_retries": 3, "window": "24 hours"}
SELECT
    \ir include/event_row_columns.sql
    w.error_message,
    w.retry_count
FROM webhook_events AS w
WHERE (
        \ir include/retryable_failed_event.sql
    )
    AND (
        \ir include/failed_event_in_window.sql
    )
ORDER BY w.created_at, w.id
