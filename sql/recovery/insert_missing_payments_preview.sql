-- description: Paid orders in the window with paid_at set and no payment record at all: the payment record that should exist
-- source: Recovery Procedures / 2. Data Recovery — "Fix orders with missing payment records"
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    o.id AS order_id,
    o.total_amount_cents AS amount_cents,
    o.paid_at,
    o.stripe_payment_intent_id,
    o.created_at
FROM orders AS o
WHERE o.state = 'paid'
    AND o.paid_at IS NOT NULL
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id)
ORDER BY o.created_at, o.id
