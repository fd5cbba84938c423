-- description: The guide's query "Check event age distribution" (as written in the guide, for bench comparison only)
-- source: Issue 2: Event Age Validation Failures — "Check event age distribution"
-- Check event age distribution
SELECT 
    event_id,
    event_type,
    created_at,
    NOW() - created_at as age,
    EXTRACT(EPOCH FROM (NOW() - created_at)) as age_seconds
FROM webhook_events
WHERE created_at > NOW() - INTERVAL '1 hour'
ORDER BY age_seconds DESC
LIMIT 10;
