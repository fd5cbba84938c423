-- description: Orders marked paid in the window without a completed payment, one row per order with the statuses of the payments it does have; the guide's LEFT JOIN gives one row per payment, so an order with a completed and a failed payment was listed as inconsistent
-- source: Advanced Troubleshooting / 3. Data Consistency Issues — "Check for inconsistent states"
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    o.id,
    o.state,
    o.created_at,
    o.paid_at,
    o.stripe_payment_intent_id,
    array_remove(array_agg(p.status ORDER BY p.status), NULL) AS payment_statuses,
    array_remove(
        array_agg(p.stripe_payment_intent_id ORDER BY p.status), NULL
    ) AS payment_intent_ids
FROM orders AS o
LEFT JOIN payments AS p ON p.order_id = o.id
WHERE o.state = 'paid'
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (
        SELECT 1 FROM payments AS c WHERE c.order_id = o.id AND c.status = 'completed'
    )
GROUP BY o.id, o.state, o.created_at, o.paid_at, o.stripe_payment_intent_id
ORDER BY o.created_at DESC
