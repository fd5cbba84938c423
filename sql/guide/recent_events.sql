-- description: The guide's query "Check recent webhook events" (as written in the guide, for bench comparison only)
-- source: Diagnostic Tools / 2. Database Queries — "Check recent webhook events"
-- Check recent webhook events
SELECT 
    event_id,
    event_type,
    order_id,
    created_at,
    processed_at,
    error_message,
    retry_count
FROM webhook_events
WHERE created_at > NOW() - INTERVAL '1 hour'
ORDER BY created_at DESC
LIMIT 20;
