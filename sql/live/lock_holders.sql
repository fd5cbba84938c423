-- description: Who holds (or queues for) an ACCESS EXCLUSIVE lock on the console's tables: asked after a panel's query gave up waiting, so its error names the table, the pid and its query
-- note: a plain SELECT conflicts only with ACCESS EXCLUSIVE (a LOCK TABLE, most ALTER TABLEs); a request still waiting for it queues every later reader behind it too
-- note: pg_locks is live, not of the poll's snapshot; pg_blocking_pids cannot be asked here, as the cancelled query no longer waits
SELECT c.relname::text AS relation, l.pid, l.granted,
       a.application_name, a.state,
       left(regexp_replace(coalesce(a.query, ''), '\s+', ' ', 'g'), 160) AS query,
       extract(epoch FROM now() - coalesce(a.xact_start, a.query_start))::float8 AS seconds
FROM pg_locks l
JOIN pg_class c ON c.oid = l.relation
LEFT JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation'
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.mode = 'AccessExclusiveLock'
  AND l.pid <> pg_backend_pid()
  AND c.relname = ANY(%(tables)s)
ORDER BY l.granted DESC, seconds DESC NULLS LAST
LIMIT 3
