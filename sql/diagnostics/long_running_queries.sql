-- description: Active queries running longer than min_duration (5 minutes in the guide), oldest first, with the waiting reason; the console's own session is left out
-- source: Issue 4: Database Connection Issues — "Check long-running queries"
-- params: min_duration
-- defaults: {"min_duration": "5 minutes"}
SELECT
    pid,
    datname,
    usename,
    application_name,
    now() - query_start AS duration,
    wait_event_type,
    wait_event,
    left(query, 500) AS query
FROM pg_stat_activity
WHERE (now() - query_start) > %(min_duration)s::interval
    AND state = 'active'
    AND pid <> pg_backend_pid()
ORDER BY duration DESC
