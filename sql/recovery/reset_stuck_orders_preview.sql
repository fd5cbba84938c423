-- description: Orders still 'pending' without a payment intent, created and last updated longer ago than age, that will move to 'pending_payment'
-- source: Issue 6, Solution 2 "Fix Stuck Orders" and Data Recovery "Fix orders stuck in pending states"
-- key: id
-- params: age
-- defaults: {"age": "1 hour"}
SELECT
    id,
    state,
    created_at,
    updated_at,
    now() - updated_at AS unchanged_for,
    stripe_payment_intent_id
FROM orders
WHERE state = 'pending'
    AND created_at < now() - %(age)s::interval
    AND updated_at < now() - %(age)s::interval
    AND stripe_payment_intent_id IS NULL
ORDER BY updated_at, id
