-- description: The guide's query "Monitor webhook volume" (as written in the guide, for bench comparison only)
-- source: Issue 5: Rate Limiting Issues — "Monitor webhook volume"
SELECT 
    event_type,
    COUNT(*) as event_count,
    DATE_TRUNC('minute', created_at) as minute
FROM webhook_events
WHERE created_at > NOW() - INTERVAL '1 hour'
GROUP BY event_type, minute
ORDER BY minute DESC;
