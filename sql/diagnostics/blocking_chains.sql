-- description: Each waiting session with the session(s) blocking it (pg_blocking_pids), both queries and how long it has waited; cancel or terminate the blocker, not the waiter
-- source: implied by Issue 4 and Appendix C "Check locks"
-- params:
-- defaults: {}
SELECT
    waiting.pid AS blocked_pid,
    waiting.usename AS blocked_user,
    waiting.application_name AS blocked_application,
    now() - waiting.query_start AS blocked_for,
    left(waiting.query, 300) AS blocked_query,
    blocker.pid AS blocking_pid,
    blocker.usename AS blocking_user,
    blocker.application_name AS blocking_application,
    blocker.state AS blocking_state,
    now() - blocker.xact_start AS blocking_transaction_age,
    left(blocker.query, 300) AS blocking_query
FROM pg_stat_activity AS waiting
CROSS JOIN LATERAL unnest(pg_blocking_pids(waiting.pid)) AS b(pid)
JOIN pg_stat_activity AS blocker ON blocker.pid = b.pid
ORDER BY blocked_for DESC NULLS LAST, waiting.pid, blocker.pid
