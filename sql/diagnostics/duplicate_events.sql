-- description: Every copy of each event_id stored more than once, for event_ids seen in the window; the guide scans the whole table on every run (seconds on a large table), this starts from the window's event_ids and still shows all their copies, old or new
-- source: Issue 3: Idempotency Conflicts — "Check for duplicate events"
-- params: window
-- defaults: {"window": "24 hours"}
WITH recent AS (
    SELECT DISTINCT event_id
    FROM webhook_events
    WHERE created_at > now() - %(window)s::interval
),
duplicated AS (
    SELECT w.event_id
    FROM webhook_events AS w
    JOIN recent AS r ON r.event_id = w.event_id
    GROUP BY w.event_id
    HAVING count(*) > 1
)
SELECT
    w.id,
    w.event_id,
    w.event_type,
    w.order_id,
    w.created_at,
    w.processed_at,
    w.error_message,
    w.retry_count
FROM webhook_events AS w
JOIN duplicated AS d ON d.event_id = w.event_id
ORDER BY w.event_id, w.created_at, w.id
