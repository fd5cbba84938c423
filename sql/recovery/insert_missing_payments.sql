-- description: Insert a completed payment for each previewed paid order that still has none. The guide hard-codes currency 'aud' (wrong for every other currency) and drops the payment intent id; here the order's own currency is used when the table has one, else the currency parameter, and the order's stripe_payment_intent_id is copied
-- source: Recovery Procedures / 2. Data Recovery — "Fix orders with missing payment records"
-- key: order_id
-- params: currency, ids, window
-- defaults: {"currency": "aud", "window": "24 hours"}
INSERT INTO payments (
    order_id, amount_cents, currency, payment_method, status, stripe_payment_intent_id, processed_at
)
SELECT
    o.id,
    o.total_amount_cents,
    coalesce(to_jsonb(o) ->> 'currency', %(currency)s),
    'stripe',
    'completed',
    o.stripe_payment_intent_id,
    o.paid_at
FROM orders AS o
WHERE o.id = ANY(%(ids)s)
    AND o.state = 'paid'
    AND o.paid_at IS NOT NULL
    AND o.total_amount_cents IS NOT NULL
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id)
RETURNING order_id, id AS payment_id
