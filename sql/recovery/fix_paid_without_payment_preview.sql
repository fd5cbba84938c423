-- description: Orders marked paid in the window with no paid_at and no payment record at all: nothing says money moved, so they go back to pending_payment
-- source: Advanced Troubleshooting / 3. Data Consistency Issues — "Fix inconsistent states"
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    o.id,
    o.state,
    o.created_at,
    o.paid_at,
    o.total_amount_cents,
    o.stripe_payment_intent_id
FROM orders AS o
WHERE o.state = 'paid'
    AND o.paid_at IS NULL
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id)
ORDER BY o.created_at, o.id
