-- description: The guide's dashboard query "Webhook processing overview" (as written in the guide, for bench comparison only)
-- source: Monitoring and Alerting / 3. Dashboard Queries — "Webhook processing overview"
-- Webhook processing overview
SELECT 
    DATE_TRUNC('hour', created_at) as hour,
    event_type,
    COUNT(*) as total_events,
    COUNT(processed_at) as processed_events,
    COUNT(CASE WHEN error_message IS NOT NULL THEN 1 END) as failed_events,
    AVG(EXTRACT(EPOCH FROM (processed_at - created_at))) as avg_processing_time
FROM webhook_events
WHERE created_at > NOW() - INTERVAL '24 hours'
GROUP BY hour, event_type
ORDER BY hour DESC, event_type;
