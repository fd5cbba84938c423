-- description: Events per hour against distinct event ids over the window; the gap (repeated deliveries of the same event) is shown directly, since replays and retry storms widen it
-- source: Advanced Troubleshooting / 2. Security Issues — "Check for suspicious patterns"
-- params: window
-- defaults: {"window": "24 hours"}
SELECT
    date_trunc('hour', created_at) AS hour,
    count(*) AS event_count,
    count(DISTINCT event_id) AS unique_events,
    count(*) - count(DISTINCT event_id) AS repeated_events
FROM webhook_events
WHERE created_at > now() - %(window)s::interval
GROUP BY hour
ORDER BY hour DESC
