-- description: Terminate the previewed session (pg_terminate_backend: its transaction rolls back and its locks are released), only if it is still the same session (same pid and backend_start) and not this one
-- source: Issue 4: Database Connection Issues — long-running transactions
-- params: ids, backend_start
-- defaults: {}
SELECT a.pid, pg_terminate_backend(a.pid) AS signalled
FROM pg_stat_activity AS a
JOIN unnest(%(ids)s::int[], %(backend_start)s::timestamptz[]) AS t (pid, backend_start)
    ON t.pid = a.pid AND t.backend_start = a.backend_start
WHERE a.datname = current_database()
    AND a.backend_type = 'client backend'
    AND a.pid <> pg_backend_pid()
