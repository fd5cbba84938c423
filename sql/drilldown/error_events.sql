-- description: Events whose error message matches a pattern (SQL LIKE), newest first: the errors panel's drill-down
-- params: pattern, hours, limit
-- source: guide, Diagnostic Tools / Database Queries ("Recent errors")
SELECT
    id::text AS id,
    event_id,
    event_type,
    order_id::text AS order_id,
    created_at,
    processed_at,
    error_message,
    retry_count
FROM webhook_events
WHERE error_message LIKE %(pattern)s
  AND created_at > now() - %(hours)s * interval '1 hour'
ORDER BY created_at DESC
LIMIT %(limit)s
