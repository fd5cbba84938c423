-- description: Who holds the row locks a write waited for: a locked row carries the locking transaction's id in xmax (asked after lock_timeout fired, when pg_blocking_pids no longer knows); {table} and {key} are identifiers composed by psycopg.sql
-- params: ids
SELECT DISTINCT a.pid, coalesce(a.usename, '') AS user, coalesce(a.application_name, '') AS app,
    coalesce(host(a.client_addr), '') AS client_addr, coalesce(a.state, '') AS state
FROM {table} AS t
JOIN pg_locks AS l ON l.locktype = 'transactionid' AND l.transactionid = t.xmax AND l.granted
JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE t.{key} = ANY(%(ids)s) AND a.pid <> pg_backend_pid()
