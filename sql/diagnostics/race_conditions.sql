-- description: Orders that received the same event type more than once in the window, with how many copies were processed (more than one processed copy means the order was handled twice)
-- source: Issue 3: Idempotency Conflicts — "Check race conditions"
-- params: window
-- defaults: {"window": "1 hour"}
SELECT
    order_id,
    event_type,
    count(*) AS event_count,
    count(processed_at) AS processed_count,
    count(DISTINCT event_id) AS distinct_event_ids
FROM webhook_events
WHERE order_id IS NOT NULL
    AND created_at > now() - %(window)s::interval
GROUP BY order_id, event_type
HAVING count(*) > 1
ORDER BY processed_count DESC, event_count DESC
