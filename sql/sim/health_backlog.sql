-- description: The receiver's health probe: accepted events still waiting (no error) and the age of the oldest, in seconds
SELECT count(*) AS unprocessed,
       EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS oldest
FROM webhook_events
WHERE processed_at IS NULL AND error_message IS NULL
