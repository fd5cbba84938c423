-- description: Cancel the previewed session's current query (pg_cancel_backend), only if it is still the same session (same pid and backend_start) and not this one
-- source: Issue 4: Database Connection Issues — long-running queries
-- params: ids, backend_start
-- defaults: {}
SELECT a.pid, pg_cancel_backend(a.pid) AS signalled
FROM pg_stat_activity AS a
JOIN unnest(%(ids)s::int[], %(backend_start)s::timestamptz[]) AS t (pid, backend_start)
    ON t.pid = a.pid AND t.backend_start = a.backend_start
WHERE a.datname = current_database()
    AND a.backend_type = 'client backend'
    AND a.pid <> pg_backend_pid()
