-- description: Build a unique index on webhook_events.event_id CONCURRENTLY (writes keep flowing; must run outside a transaction), so the database itself refuses a second copy of an event. It fails, and changes nothing, while the preview lists duplicates; a failed build leaves an invalid index that the preview reports
-- source: Issue 3, Prevention "Implement proper database constraints" (the guide has no unique constraint)
-- transaction: none
-- params:
-- defaults: {}
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS webhook_events_event_id_key
ON webhook_events (event_id)
