-- description: Events accepted but never processed (no error, payload kept), oldest first: what a restarted worker picks up
-- params: limit
SELECT id, payload
FROM webhook_events
WHERE processed_at IS NULL AND error_message IS NULL AND payload IS NOT NULL
ORDER BY created_at
LIMIT %(limit)s
