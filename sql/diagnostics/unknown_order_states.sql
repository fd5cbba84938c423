-- description: Orders whose state is not one of the guide's state machine (Issue 6, Solution 3), grouped by state: a typo or an unplanned code path writes states no transition leads out of
-- source: implied by Issue 6, Solution 3 (state machine)
-- params: states
-- defaults: {"states": ["pending", "pending_payment", "paid", "payment_failed", "cancelled", "refunded", "disputed", "ready_for_handover", "released"]}
SELECT
    state,
    count(*) AS order_count,
    min(created_at) AS first_seen,
    max(updated_at) AS last_updated
FROM orders
WHERE state IS NULL OR state <> ALL(%(states)s)
GROUP BY state
ORDER BY order_count DESC, state
