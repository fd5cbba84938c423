-- description: Client sessions on the server (pg_stat_activity) with their blockers, the console's own backend excluded
-- cost: one row per client connection; pg_blocking_pids only for sessions waiting on a lock
SELECT pid,
       state,
       usename::text AS usename,
       application_name,
       client_addr::text AS client_addr,
       backend_start,
       xact_start,
       query_start,
       state_change,
       wait_event_type,
       wait_event,
       left(query, 1000) AS query,
       CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) END AS blocked_by
FROM pg_stat_activity
WHERE backend_type = 'client backend'
  AND pid <> pg_backend_pid()
