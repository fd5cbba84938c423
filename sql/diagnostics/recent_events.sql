-- description: Recent webhook events, newest first (the guide's window and row count are parameters here)
-- source: Diagnostic Tools / 2. Database Queries — "Check recent webhook events"
-- params: window, limit
-- defaults: {"window": "1 hour", "limit": 20}
SELECT
    id,
    event_id,
    event_type,
    order_id,
    created_at,
    processed_at,
    error_message,
    retry_count
FROM webhook_events
WHERE created_at > now() - %(window)s::interval
ORDER BY created_at DESC
LIMIT %(limit)s
