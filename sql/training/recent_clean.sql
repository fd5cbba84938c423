-- description: Resolve check: the last few seconds' events, processed and with an error (clean = some processed, none failed)
-- params: seconds
SELECT count(*) FILTER (WHERE processed_at IS NOT NULL) AS processed,
       count(*) FILTER (WHERE error_message IS NOT NULL) AS failed
FROM webhook_events
WHERE created_at > now() - %(seconds)s * interval '1 second'
