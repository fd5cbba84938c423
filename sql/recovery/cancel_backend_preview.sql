-- description: The session that would be signalled by cancel_backend: who, what and since when (never the console's own session)
-- source: Issue 4: Database Connection Issues — "Check long-running queries" / Appendix C "Check locks"
-- params: pid
-- defaults: {}
SELECT
    a.pid,
    a.usename,
    a.application_name,
    a.client_addr,
    a.state,
    a.backend_start,
    a.xact_start,
    now() - a.xact_start AS xact_age,
    now() - a.query_start AS query_age,
    left(a.query, 200) AS query
FROM pg_stat_activity AS a
WHERE a.pid = %(pid)s
    AND a.datname = current_database()
    AND a.backend_type = 'client backend'
    AND a.pid <> pg_backend_pid()
