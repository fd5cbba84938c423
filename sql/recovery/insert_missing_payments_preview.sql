-- description: Paid orders of the window with paid_at and an amount but no payment record at all, and the completed payment each will get (currency from the order's currency column when it has one, else the currency parameter)
-- source: Recovery Procedures / 2. Data Recovery — "Fix orders with missing payment records"
-- key: order_id
-- params: currency, window
-- defaults: {"currency": "aud", "window": "24 hours"}
SELECT
    o.id AS order_id,
    o.state,
    o.paid_at,
    o.total_amount_cents AS amount_cents,
    coalesce(to_jsonb(o) ->> 'currency', %(currency)s) AS currency,
    o.stripe_payment_intent_id
FROM orders AS o
WHERE o.state = 'paid'
    AND o.paid_at IS NOT NULL
    AND o.total_amount_cents IS NOT NULL
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id)
ORDER BY o.paid_at, o.id
