-- description: The session that will be signalled (cancel_backend, terminate_backend): a client backend of this database, never the console's own connection, with its query, age, wait and what blocks it
-- privileges: without pg_read_all_stats (pg_monitor) another role's session shows only its pid, database, user and application (backend_type and backend_start read NULL, PostgreSQL 14+): it is listed, so the operator sees it, but the plan is blocked — without backend_start a reused pid cannot be told apart
-- source: Issue 4: Database Connection Issues (long-running queries, long-running transactions)
-- key: pid
-- params: pid
-- defaults: {}
SELECT
    pid,
    datname,
    usename,
    application_name,
    client_addr,
    state,
    backend_start,
    xact_start,
    now() - xact_start AS transaction_age,
    query_start,
    now() - query_start AS query_age,
    wait_event_type,
    wait_event,
    pg_blocking_pids(pid) AS blocked_by,
    left(query, 500) AS query
FROM pg_stat_activity
WHERE pid = %(pid)s
    AND pid <> pg_backend_pid()
    AND datname = current_database()
    AND (backend_type = 'client backend' OR (backend_type IS NULL AND datid IS NOT NULL))
