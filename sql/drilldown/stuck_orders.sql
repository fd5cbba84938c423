-- description: Orders in one state not updated for over N minutes, oldest first: the stuck-orders panel's drill-down
-- params: state, older_than_minutes, limit
-- source: guide, Issue 6 (State Transition Errors)
SELECT
    id::text AS id,
    state,
    created_at,
    updated_at,
    paid_at,
    stripe_payment_intent_id,
    total_amount_cents,
    extract(epoch FROM now() - updated_at)::float8 AS age_seconds
FROM orders
WHERE state = %(state)s
  AND updated_at < now() - %(older_than_minutes)s * interval '1 minute'
ORDER BY updated_at
LIMIT %(limit)s
