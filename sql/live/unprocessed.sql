-- description: Unprocessed events created since a cut, re-read whole each poll (the recent part of the backlog, or all of it tracked by id when its fingerprint changed)
-- index: webhook_events_unprocessed_idx (partial, processed_at IS NULL; range scan on created_at)
-- cost: the unprocessed rows created since the cut; steady state: the last few minutes only
-- why: error_message and retry_count change without any timestamp; re-reading these rows is
--      how the console sees a failure, a retry reset or a deletion of an unprocessed row
SELECT id, event_type, created_at::timestamptz AS created_at, error_message, retry_count
FROM webhook_events
WHERE processed_at IS NULL
  AND created_at >= %(since)s
ORDER BY created_at
