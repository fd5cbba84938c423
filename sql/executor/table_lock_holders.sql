-- description: Who holds a lock stronger than ACCESS SHARE on a table (the fallback when no locked row names its holder, and for the index build)
-- params: table
SELECT DISTINCT a.pid, coalesce(a.usename, '') AS user, coalesce(a.application_name, '') AS app,
    coalesce(host(a.client_addr), '') AS client_addr, coalesce(a.state, '') AS state
FROM pg_locks AS l
JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.relation = to_regclass(%(table)s) AND l.granted
    AND l.mode <> 'AccessShareLock' AND a.pid <> pg_backend_pid()
