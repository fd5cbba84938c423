-- description: Current state of events that left the unprocessed set without a fresh processed_at
-- index: webhook_events_pkey (ids keep their own type: bigint[] or uuid[])
-- cost: the rows that left the backlog unexplained (late processed_at, or deleted)
SELECT id, event_type, created_at::timestamptz AS created_at,
       processed_at::timestamptz AS processed_at, error_message
FROM webhook_events
WHERE id = ANY(%(ids)s)
