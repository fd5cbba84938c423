-- description: The event was applied to its order: mark the row processed (clock_timestamp: the real time it finished)
-- params: order_id, id
UPDATE webhook_events
SET processed_at = clock_timestamp(), error_message = NULL, order_id = COALESCE(%(order_id)s, order_id)
WHERE id = %(id)s
