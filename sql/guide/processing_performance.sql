-- description: The guide's query "Check processing performance" (as written in the guide, for bench comparison only)
-- source: Diagnostic Tools / 2. Database Queries — "Check processing performance"
-- Check processing performance
SELECT 
    event_type,
    COUNT(*) as total_events,
    COUNT(processed_at) as processed_events,
    AVG(EXTRACT(EPOCH FROM (processed_at - created_at))) as avg_processing_time
FROM webhook_events
WHERE created_at > NOW() - INTERVAL '1 hour'
GROUP BY event_type;
