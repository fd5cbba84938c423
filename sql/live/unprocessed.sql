-- description: Every unprocessed event (backlog, failed and waiting), re-read whole each poll
-- index: webhook_events_unprocessed_idx (partial, processed_at IS NULL: stays as small as the backlog)
-- why: error_message and retry_count change without any timestamp; re-reading this small set is
--      how the console sees a failure, a retry reset or a deletion of an unprocessed row
SELECT id, event_type, created_at, error_message, retry_count
FROM webhook_events
WHERE processed_at IS NULL
ORDER BY created_at
