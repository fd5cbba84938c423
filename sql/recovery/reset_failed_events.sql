-- description: Clear the error of the previewed failed events and count the retry. The guide's UPDATE matches by event_id, so it also reset copies at or over the retry limit and wiped processed_at and the error of copies already processed (re-running a paid event); here only the previewed rows are reset, and only while still failed, below max_retries, without a processed copy and the newest copy of their event
-- source: Recovery Procedures / 2. Data Recovery — "Reset failed events for retry"
-- key: id
-- params: ids, max_retries, window
-- defaults: {"max_retries": 3, "window": "24 hours"}
UPDATE webhook_events AS w
SET error_message = NULL,
    retry_count = w.retry_count + 1
WHERE w.id = ANY(%(ids)s)
    AND (
        \ir include/retryable_failed_event.sql
    )
    AND (
        \ir include/failed_event_in_window.sql
    )
RETURNING w.id, w.event_id, w.retry_count
