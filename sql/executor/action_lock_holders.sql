-- description: Who holds an action's advisory lock (another operator running it now), named by pid, user, application, client and state; k2 is the lock key as pg_locks stores it (unsigned)
-- params: k1, k2
SELECT DISTINCT a.pid, coalesce(a.usename, '') AS user, coalesce(a.application_name, '') AS app,
    coalesce(host(a.client_addr), '') AS client_addr, coalesce(a.state, '') AS state
FROM pg_locks AS l
JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid::bigint = %(k1)s AND l.objid::bigint = %(k2)s
    AND a.pid <> pg_backend_pid()
