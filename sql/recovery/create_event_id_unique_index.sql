-- description: Build the unique index on webhook_events(event_id) without blocking writers (CONCURRENTLY: outside any transaction); from then on a duplicate delivery fails at INSERT instead of being processed twice
-- source: Issue 3: Idempotency Conflicts — Prevention "Implement proper database constraints"
-- params:
-- defaults: {}
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS webhook_events_event_id_key
ON webhook_events (event_id)
