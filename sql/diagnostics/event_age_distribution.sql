-- description: The oldest events received in the window with their age; note the guide's query ranks by age of the row (time since it was stored), which is what a processing backlog looks like, not the Stripe-side event age
-- source: Issue 2: Event Age Validation Failures — "Check event age distribution"
-- params: window, limit
-- defaults: {"window": "1 hour", "limit": 10}
SELECT
    id,
    event_id,
    event_type,
    created_at,
    processed_at,
    now() - created_at AS age,
    extract(epoch FROM (now() - created_at))::float8 AS age_seconds
FROM webhook_events
WHERE created_at > now() - %(window)s::interval
ORDER BY age_seconds DESC
LIMIT %(limit)s
