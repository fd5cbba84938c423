-- description: Events per hour and type over the window with processed, failed and average processing seconds (the guide's dashboard overview, window as a parameter; run on demand, not on a timer)
-- source: Monitoring and Alerting / 3. Dashboard Queries — "Webhook processing overview"
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    date_trunc('hour', created_at) AS hour,
    event_type,
    count(*) AS total_events,
    count(processed_at) AS processed_events,
    count(*) FILTER (WHERE error_message IS NOT NULL) AS failed_events,
    avg(extract(epoch FROM (processed_at - created_at)))::float8 AS avg_processing_time
FROM webhook_events
WHERE created_at > now() - %(window)s::interval
GROUP BY hour, event_type
ORDER BY hour DESC, event_type
