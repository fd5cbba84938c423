-- description: Events of the matching types still unprocessed and without an error after min_age, by type, with the oldest; a payment event waiting this long means payments are not being recorded
-- source: Quick Reference P0 "Payment events not processing"
-- params: event_types, min_age, window
-- defaults: {"event_types": "payment_intent.%", "min_age": "5 minutes", "window": "24 hours"}
SELECT
    event_type,
    count(*) AS stalled_events,
    min(created_at) AS oldest,
    extract(epoch FROM (now() - min(created_at)))::float8 AS oldest_age_seconds
FROM webhook_events
WHERE processed_at IS NULL
    AND error_message IS NULL
    AND event_type LIKE %(event_types)s
    AND created_at < now() - %(min_age)s::interval
    AND created_at > now() - %(window)s::interval
GROUP BY event_type
ORDER BY stalled_events DESC, event_type
