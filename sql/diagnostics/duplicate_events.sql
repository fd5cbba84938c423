-- description: Every copy of each event_id stored more than once, for event_ids seen in the window; the guide scans the whole table on every run (seconds on a large table), this starts from the window's event_ids and still shows all their copies, old or new
-- source: Issue 3: Idempotency Conflicts — "Check for duplicate events"
-- params: window
-- defaults: {"window": "24 hours"}
WITH
    \ir ../recovery/include/duplicated_event_ids.sql
SELECT
    \ir ../recovery/include/event_row_columns.sql
    w.processed_at,
    w.error_message,
    w.retry_count
FROM webhook_events AS w
JOIN duplicated AS d ON d.event_id = w.event_id
ORDER BY w.event_id, w.created_at, w.id
