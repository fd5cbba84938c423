-- description: The guide's query "Check for duplicate events" (as written in the guide, for bench comparison only)
-- source: Issue 3: Idempotency Conflicts — "Check for duplicate events"
-- Check for duplicate events
SELECT 
    event_id,
    event_type,
    order_id,
    created_at,
    processed_at,
    error_message
FROM webhook_events
WHERE event_id IN (
    SELECT event_id
    FROM webhook_events
    GROUP BY event_id
    HAVING COUNT(*) > 1
)
ORDER BY event_id, created_at;
