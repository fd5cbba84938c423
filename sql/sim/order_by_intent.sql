-- description: The newest order with the event's payment intent, when metadata.order_id does not name one
-- params: intent
SELECT id, state
FROM orders
WHERE stripe_payment_intent_id = %(intent)s
ORDER BY created_at DESC
LIMIT 1
