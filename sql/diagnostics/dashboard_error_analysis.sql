-- description: Error messages over the window by count, with last occurrence and how many event types they hit (the guide's dashboard error analysis, window as a parameter)
-- source: Monitoring and Alerting / 3. Dashboard Queries — "Error analysis"
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    error_message,
    count(*) AS error_count,
    max(created_at) AS last_occurrence,
    count(DISTINCT event_type) AS affected_event_types
FROM webhook_events
WHERE error_message IS NOT NULL
    AND created_at > now() - %(window)s::interval
GROUP BY error_message
ORDER BY error_count DESC, error_message
