-- description: Sessions idle inside an open transaction for longer than min_age: they hold locks and block vacuum; the guide names long-running transactions as a cause but has no query for them
-- source: implied by Issue 4 (root cause: long-running transactions)
-- params: min_age
-- defaults: {"min_age": "1 minute"}
SELECT
    pid,
    datname,
    usename,
    application_name,
    state,
    xact_start,
    state_change,
    now() - state_change AS idle_for,
    now() - xact_start AS transaction_age,
    left(query, 500) AS last_query
FROM pg_stat_activity
WHERE state IN ('idle in transaction', 'idle in transaction (aborted)')
    AND now() - state_change > %(min_age)s::interval
    AND pid <> pg_backend_pid()
ORDER BY idle_for DESC
