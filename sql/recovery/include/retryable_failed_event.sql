-- Included (\ir) where a failed webhook_events row `w` is judged retryable: the preview
-- and the write of reset_failed_events, and diagnostics/failed_events' `retryable`. Below
-- the retry limit, no processed copy of its event_id, and the newest unprocessed copy (so
-- a duplicated event is not retried twice).
w.retry_count < %(max_retries)s
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
