-- description: Paid orders without a completed payment (NOT EXISTS, safe when payments.order_id has NULLs — the guide's NOT IN matches nothing then), each with the fix that applies: insert the missing record (paid_at set, no payment at all), revert to pending_payment (no paid_at, no payment at all) or investigate (a payment exists in another status)
-- source: implied by Data Consistency "Fix inconsistent states" and Data Recovery "Fix orders with missing payment records"
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    o.id,
    o.state,
    o.created_at,
    o.paid_at,
    o.total_amount_cents,
    o.stripe_payment_intent_id,
    coalesce(
        (SELECT array_agg(p.status ORDER BY p.status) FROM payments AS p WHERE p.order_id = o.id),
        '{}'
    ) AS payment_statuses,
    CASE
        WHEN EXISTS (SELECT 1 FROM payments AS p WHERE p.order_id = o.id) THEN 'investigate'
        WHEN o.paid_at IS NULL THEN 'recovery/fix_paid_without_payment'
        WHEN o.total_amount_cents IS NULL THEN 'investigate'
        ELSE 'recovery/insert_missing_payments'
    END AS suggested_fix
FROM orders AS o
WHERE o.state = 'paid'
    AND o.created_at > now() - %(window)s::interval
    AND NOT EXISTS (
        SELECT 1 FROM payments AS c WHERE c.order_id = o.id AND c.status = 'completed'
    )
ORDER BY o.created_at DESC
