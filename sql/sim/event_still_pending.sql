-- description: Whether an accepted event is still waiting (not processed, no error) once its lock is held
-- params: id
SELECT 1
FROM webhook_events
WHERE id = %(id)s AND processed_at IS NULL AND error_message IS NULL
