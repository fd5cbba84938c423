-- description: The guide's query "Find failed events that can be retried" (as written in the guide, for bench comparison only)
-- source: Recovery Procedures / 2. Data Recovery — "Find failed events that can be retried"
-- Find failed events that can be retried
SELECT 
    event_id,
    event_type,
    order_id,
    created_at,
    error_message
FROM webhook_events
WHERE processed_at IS NULL
    AND error_message IS NOT NULL
    AND created_at > NOW() - INTERVAL '24 hours'
ORDER BY created_at DESC;
