-- description: The guide's query "Check order state transitions" (as written in the guide, for bench comparison only)
-- source: Issue 6: State Transition Errors — "Check order state transitions"
-- Check order state transitions
SELECT 
    id,
    state,
    created_at,
    updated_at,
    stripe_payment_intent_id
FROM orders
WHERE state IN ('pending', 'pending_payment', 'paid')
    AND updated_at > NOW() - INTERVAL '1 hour'
ORDER BY updated_at DESC;
