-- description: Harm watch: the ids of every processed event, to notice one deleted or marked unprocessed again
SELECT id::text AS id
FROM webhook_events
WHERE processed_at IS NOT NULL
