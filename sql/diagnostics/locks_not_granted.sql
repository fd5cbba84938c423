-- description: Lock requests that are waiting (the guide's SELECT * FROM pg_locks WHERE NOT granted), with the relation name, the waiting query and its blockers so the rows can be acted on
-- source: Appendix C: Useful Commands — "Check locks"
-- params:
-- defaults: {}
SELECT
    l.pid,
    l.locktype,
    l.mode,
    l.relation::regclass::text AS relation,
    l.transactionid::text AS transaction_id,
    pg_blocking_pids(l.pid) AS blocking_pids,
    now() - a.query_start AS waiting_for,
    left(a.query, 300) AS query
FROM pg_locks AS l
LEFT JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE NOT l.granted
ORDER BY waiting_for DESC NULLS LAST, l.pid
