-- description: Orders stuck in 'pending' without a payment intent, created and last updated longer than age ago
-- source: Issue 6 Solution 2 and Data Recovery — "Fix orders stuck in pending states"
-- params: age
-- defaults: {"age": "1 hour"}
SELECT
    o.id,
    o.state,
    o.created_at,
    o.updated_at,
    o.total_amount_cents
FROM orders AS o
WHERE o.state = 'pending'
    AND o.stripe_payment_intent_id IS NULL
    AND o.created_at < now() - %(age)s::interval
    AND o.updated_at < now() - %(age)s::interval
ORDER BY o.created_at, o.id
