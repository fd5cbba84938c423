-- description: The statements with the highest mean execution time from pg_stat_statements; the guide's mean_time column was renamed mean_exec_time in PostgreSQL 13, so its query fails on any current server
-- source: Appendix C: Useful Commands — "Check slow queries"
-- requires: pg_stat_statements
-- params: limit
-- defaults: {"limit": 10}
SELECT
    left(query, 500) AS query,
    mean_exec_time,
    calls,
    total_exec_time,
    rows
FROM pg_stat_statements
ORDER BY mean_exec_time DESC
LIMIT %(limit)s
