-- Included (\ir) where a webhook_events row `w` is a failed event of the window: the preview
-- and the write of reset_failed_events, and diagnostics/failed_events. Unprocessed, with an
-- error, created in the window (whether it may be retried: retryable_failed_event.sql).
w.processed_at IS NULL
AND w.error_message IS NOT NULL
AND w.created_at > now() - %(window)s::interval
