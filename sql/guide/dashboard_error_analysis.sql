-- description: The guide's dashboard query "Error analysis" (as written in the guide, for bench comparison only)
-- source: Monitoring and Alerting / 3. Dashboard Queries — "Error analysis"
-- Error analysis
SELECT 
    error_message,
    COUNT(*) as error_count,
    MAX(created_at) as last_occurrence,
    COUNT(DISTINCT event_type) as affected_event_types
FROM webhook_events
WHERE error_message IS NOT NULL
    AND created_at > NOW() - INTERVAL '24 hours'
GROUP BY error_message
ORDER BY error_count DESC;
