-- description: Events processed since a watermark (minus an overlap margin), for latency and final errors
-- index: webhook_events_processed_at_idx (range scan)
-- cost: rows processed since the last poll plus the overlap margin
SELECT id, event_type, created_at::timestamptz AS created_at,
       processed_at::timestamptz AS processed_at, error_message
FROM webhook_events
WHERE processed_at >= %(since)s
  AND created_at >= %(window_start)s
