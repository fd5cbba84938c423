-- description: The guide's query "Check for suspicious patterns" (as written in the guide, for bench comparison only)
-- source: Advanced Troubleshooting / 2. Security Issues — "Check for suspicious patterns"
-- Check for suspicious patterns
SELECT 
    DATE_TRUNC('hour', created_at) as hour,
    COUNT(*) as event_count,
    COUNT(DISTINCT event_id) as unique_events
FROM webhook_events
WHERE created_at > NOW() - INTERVAL '24 hours'
GROUP BY hour
ORDER BY hour DESC;
