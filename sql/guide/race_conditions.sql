-- description: The guide's query "Check race conditions" (as written in the guide, for bench comparison only)
-- source: Issue 3: Idempotency Conflicts — "Check race conditions"
-- Check race conditions
SELECT 
    order_id,
    event_type,
    COUNT(*) as event_count,
    COUNT(processed_at) as processed_count
FROM webhook_events
WHERE order_id IS NOT NULL
    AND created_at > NOW() - INTERVAL '1 hour'
GROUP BY order_id, event_type
HAVING COUNT(*) > 1;
