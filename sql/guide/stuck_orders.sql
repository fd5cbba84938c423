-- description: The guide's query "Check for stuck orders" (as written in the guide, for bench comparison only)
-- source: Issue 6: State Transition Errors — "Check for stuck orders"
-- Check for stuck orders
SELECT 
    state,
    COUNT(*) as order_count
FROM orders
WHERE updated_at < NOW() - INTERVAL '1 hour'
GROUP BY state;
