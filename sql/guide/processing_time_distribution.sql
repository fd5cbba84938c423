-- description: The guide's query "Check processing time distribution" (as written in the guide, for bench comparison only)
-- source: Advanced Troubleshooting / 1. Performance Issues — "Check processing time distribution"
-- Check processing time distribution
SELECT 
    event_type,
    COUNT(*) as total_events,
    AVG(EXTRACT(EPOCH FROM (processed_at - created_at))) as avg_processing_time,
    MAX(EXTRACT(EPOCH FROM (processed_at - created_at))) as max_processing_time,
    PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (processed_at - created_at))) as p95_processing_time
FROM webhook_events
WHERE processed_at IS NOT NULL
    AND created_at > NOW() - INTERVAL '1 hour'
GROUP BY event_type;
