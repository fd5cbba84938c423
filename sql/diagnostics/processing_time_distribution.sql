-- description: Average, maximum and 95th-percentile processing seconds per event type for events of the window that were processed
-- source: Advanced Troubleshooting / 1. Performance Issues — "Check processing time distribution"
-- params: window
-- defaults: {"window": "1 hour"}
SELECT
    event_type,
    count(*) AS total_events,
    avg(extract(epoch FROM (processed_at - created_at)))::float8 AS avg_processing_time,
    max(extract(epoch FROM (processed_at - created_at)))::float8 AS max_processing_time,
    percentile_cont(0.95) WITHIN GROUP (
        ORDER BY extract(epoch FROM (processed_at - created_at))
    ) AS p95_processing_time
FROM webhook_events
WHERE processed_at IS NOT NULL
    AND created_at > now() - %(window)s::interval
GROUP BY event_type
ORDER BY p95_processing_time DESC, event_type
