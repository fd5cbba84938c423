-- description: One row for the window: events received, events with an error, and the error percentage (the guide's alert "error_rate > 0.05" over 5 minutes, as a percent)
-- source: Quick Reference P1 "High error rates (>5%)" and Monitoring / Alerting Rules
-- params: window
-- defaults: {"window": "5 minutes"}
SELECT
    count(*) AS total_events,
    count(*) FILTER (WHERE error_message IS NOT NULL) AS failed_events,
    coalesce(
        round(100.0 * count(*) FILTER (WHERE error_message IS NOT NULL) / nullif(count(*), 0), 2),
        0
    )::float8 AS error_percent
FROM webhook_events
WHERE created_at > now() - %(window)s::interval
