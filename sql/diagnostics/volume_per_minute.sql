-- description: Events per minute and event type over the window, newest minute first (a retry storm or a burst shows as one type spiking)
-- source: Issue 5: Rate Limiting Issues — "Monitor webhook volume"
-- params: window
-- defaults: {"window": "1 hour"}
SELECT
    date_trunc('minute', created_at) AS minute,
    event_type,
    count(*) AS event_count
FROM webhook_events
WHERE created_at > now() - %(window)s::interval
GROUP BY event_type, minute
ORDER BY minute DESC, event_type
