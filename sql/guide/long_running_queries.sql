-- description: The guide's query "Check long-running queries" (as written in the guide, for bench comparison only)
-- source: Issue 4: Database Connection Issues — "Check long-running queries"
-- Check long-running queries
SELECT 
    pid,
    now() - pg_stat_activity.query_start AS duration,
    query
FROM pg_stat_activity
WHERE (now() - pg_stat_activity.query_start) > interval '5 minutes'
    AND state = 'active';
