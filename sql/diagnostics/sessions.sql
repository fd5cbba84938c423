-- description: Sessions connected to this database with who, what and since when; the guide's SELECT * on 'your_database' is replaced by current_database() and the columns an operator reads
-- source: Appendix C: Useful Commands — "Check connections"
-- params:
-- defaults: {}
SELECT
    pid,
    usename,
    application_name,
    client_addr,
    state,
    wait_event_type,
    wait_event,
    backend_start,
    xact_start,
    query_start,
    now() - query_start AS query_age,
    left(query, 200) AS query,
    pid = pg_backend_pid() AS is_this_console
FROM pg_stat_activity
WHERE datname = current_database()
    AND backend_type = 'client backend'
ORDER BY query_start NULLS LAST, pid
