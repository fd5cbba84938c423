-- description: Events, processed events and average processing seconds per event type over the window; unprocessed and failed counts added so a type that stopped processing shows up
-- source: Diagnostic Tools / 2. Database Queries — "Check processing performance"
-- params: window
-- defaults: {"window": "1 hour"}
SELECT
    event_type,
    count(*) AS total_events,
    count(processed_at) AS processed_events,
    count(*) FILTER (WHERE processed_at IS NULL AND error_message IS NULL) AS pending_events,
    count(*) FILTER (WHERE error_message IS NOT NULL) AS failed_events,
    avg(extract(epoch FROM (processed_at - created_at)))::float8 AS avg_processing_time
FROM webhook_events
WHERE created_at > now() - %(window)s::interval
GROUP BY event_type
ORDER BY total_events DESC, event_type
