-- description: Insert the missing completed payment for each previewed order, re-checking that it still has none; unlike the guide it carries the order's payment intent id (so the record can be matched with Stripe) and takes the currency as a parameter instead of a hard-coded 'aud'
-- source: Recovery Procedures / 2. Data Recovery — "Fix orders with missing payment records"
-- params: currency, window, ids
-- defaults: {"currency": "aud", "window": "24 hours"}
INSERT INTO payments (
    order_id, amount_cents, currency, payment_method, status, stripe_payment_intent_id,
    processed_at
)
SELECT
    o.id,
    o.total_amount_cents,
    %(currency)s,
    'stripe',
    'completed',
    o.stripe_payment_intent_id,
    o.paid_at
FROM orders AS o
WHERE o.id = ANY(%(ids)s)
    AND o.state = 'paid'
    AND o.paid_at IS NOT NULL
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id)
RETURNING order_id
