-- description: Processing refused the event (order not found, invalid state transition): the row keeps the error and stays unprocessed
-- params: error, order_id, id
UPDATE webhook_events
SET processed_at = NULL, error_message = %(error)s, order_id = COALESCE(%(order_id)s, order_id)
WHERE id = %(id)s
