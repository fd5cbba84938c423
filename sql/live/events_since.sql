-- description: Events created since a watermark (minus an overlap margin), for throughput deltas
-- index: webhook_events_created_at_idx (range scan; the first poll reads the whole 24 h once)
-- cost: rows created since the last poll plus the overlap margin
SELECT id, event_id, event_type, created_at::timestamptz AS created_at,
       processed_at::timestamptz AS processed_at, error_message
FROM webhook_events
WHERE created_at >= %(since)s
ORDER BY created_at
