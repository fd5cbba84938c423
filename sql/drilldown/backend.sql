-- description: One server backend with its full query and the pids blocking it: the connections panel's drill-down
-- params: pid
SELECT
    pid,
    state,
    backend_type,
    \ir ../live/include/session_columns.sql
    coalesce(query, '') AS query,
    extract(epoch FROM clock_timestamp() - coalesce(query_start, backend_start))::float8
        AS duration_seconds,
    pg_blocking_pids(pid) AS blocked_by
FROM pg_stat_activity
WHERE pid = %(pid)s::integer
