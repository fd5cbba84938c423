-- description: The stored row of an event id (the oldest, if a race stored it twice), read without locking: the guide's racy duplicate check
-- params: event_id
SELECT id, processed_at, error_message, retry_count
FROM webhook_events
WHERE event_id = %(event_id)s
ORDER BY created_at
LIMIT 1
