-- description: A completed payment for every order that reached paid; a failed one for failed checkouts
-- Orders that failed and then paid keep only the completed payment, so no join of orders to
-- payments (the guide's own inconsistency query included) sees a paid order with a bad row.
INSERT INTO payments (
    order_id, amount_cents, currency, payment_method, status, stripe_payment_intent_id,
    processed_at, created_at
)
SELECT
    m.order_id,
    w.amount_cents,
    'aud',
    'stripe',
    x.status,
    w.payment_intent,
    x.processed_at,
    x.processed_at
FROM world_plan AS w
JOIN world_map AS m ON m.payment_intent = w.payment_intent
CROSS JOIN LATERAL (
    SELECT
        CASE WHEN w.paid_at_ts IS NOT NULL THEN 'completed' ELSE 'failed' END AS status,
        coalesce(w.paid_at_ts, w.created_at + w.fail_done * interval '1 second') AS processed_at
) AS x
WHERE w.paid_at_ts IS NOT NULL
   OR (w.state IN ('payment_failed', 'cancelled') AND w.fail_done <= w.now_s)
ORDER BY x.processed_at
