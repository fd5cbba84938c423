-- description: Recent webhook events, newest first (the guide's window and row count are parameters here)
-- source: Diagnostic Tools / 2. Database Queries — "Check recent webhook events"
-- params: window, limit
-- defaults: {"window": "1 hour", "limit": 20}
SELECT
    \ir ../recovery/include/event_row_columns.sql
    w.processed_at,
    w.error_message,
    w.retry_count
FROM webhook_events AS w
WHERE w.created_at > now() - %(window)s::interval
ORDER BY w.created_at DESC
LIMIT %(limit)s
