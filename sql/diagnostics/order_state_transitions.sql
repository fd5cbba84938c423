-- description: Orders in the given states updated within the window, most recent first (the guide's fixed state list and 1-hour window are parameters; a row limit keeps the result readable)
-- source: Issue 6: State Transition Errors — "Check order state transitions"
-- params: states, window, limit
-- defaults: {"states": ["pending", "pending_payment", "paid"], "window": "1 hour", "limit": 200}
SELECT
    id,
    state,
    created_at,
    updated_at,
    paid_at,
    stripe_payment_intent_id
FROM orders
WHERE state = ANY(%(states)s)
    AND updated_at > now() - %(window)s::interval
ORDER BY updated_at DESC
LIMIT %(limit)s
