-- description: Orders marked 'paid' in the window with no payment record at all and no paid_at, which will go back to 'pending_payment'. Orders with paid_at get a record from recovery/insert_missing_payments instead; orders with a payment in another status are left for a person (see diagnostics/paid_without_payment)
-- source: Advanced Troubleshooting / 3. Data Consistency Issues — "Fix inconsistent states"
-- key: id
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    o.id,
    o.state,
    o.created_at,
    o.updated_at,
    o.paid_at,
    o.total_amount_cents,
    o.stripe_payment_intent_id
FROM orders AS o
WHERE o.state = 'paid'
    AND o.paid_at IS NULL
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id)
ORDER BY o.created_at, o.id
