-- description: The guide's query "Check for inconsistent states" (as written in the guide, for bench comparison only)
-- source: Advanced Troubleshooting / 3. Data Consistency Issues — "Check for inconsistent states"
-- Check for inconsistent states
SELECT 
    o.id,
    o.state,
    o.stripe_payment_intent_id,
    p.status as payment_status,
    p.stripe_payment_intent_id as payment_intent_id
FROM orders o
LEFT JOIN payments p ON o.id = p.order_id
WHERE o.state = 'paid' 
    AND (p.status IS NULL OR p.status != 'completed')
    AND o.created_at > NOW() - INTERVAL '24 hours';
