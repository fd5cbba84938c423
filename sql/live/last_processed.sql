-- description: When the newest processed event was processed: nothing processed since the oldest waiting event arrived means processing has stalled
-- index: webhook_events_processed_at_idx (max() over a btree is one index probe)
-- cost: constant
SELECT max(processed_at)::timestamptz AS last_processed_at
FROM webhook_events
