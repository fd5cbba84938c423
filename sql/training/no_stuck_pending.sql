-- description: Resolve check: orders stuck in 'pending' for over an hour without a payment intent (0 = reset or moved on)
SELECT count(*) AS n
FROM orders
WHERE state = 'pending'
  AND stripe_payment_intent_id IS NULL
  AND updated_at < now() - interval '1 hour'
