-- description: Client sessions on the server (pg_stat_activity) with their blockers, the console's own backend excluded; other roles' sessions count even when this role may not see their details
-- cost: one row per client connection; pg_blocking_pids only for sessions waiting on a lock
-- privileges: without pg_read_all_stats (pg_monitor), another role's session shows only pid, database, user and application: backend_type, state, backend_start and query read NULL (PostgreSQL 14+; query '<insufficient privilege>'). Such a row is a client session when it belongs to a database; background processes have none. Its query says how to see it.
SELECT pid,
       coalesce(state, 'hidden') AS state,
       \ir include/session_columns.sql
       CASE
           WHEN backend_type IS NULL
               THEN '(hidden from ' || current_user || ': GRANT pg_read_all_stats TO '
                    || quote_ident(current_user) || ' to see it)'
           ELSE left(query, 1000)
       END AS query,
       CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) END AS blocked_by
FROM pg_stat_activity
WHERE (backend_type = 'client backend' OR (backend_type IS NULL AND datid IS NOT NULL))
  AND pid <> pg_backend_pid()
