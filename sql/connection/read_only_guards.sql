-- description: Opens every console read transaction: read-only and the timeouts, all LOCAL to this transaction (a pooler can neither drop nor leak them); being the first query, it also stops a later SET transaction_read_only = off
-- source: core (console.core.db.read_only); a NULL limit keeps the value in force
-- params: statement_timeout, lock_timeout, idle_timeout
-- cost: constant
SELECT
    set_config('transaction_read_only', 'on', true) AS read_only,
    set_config(
        'statement_timeout',
        coalesce(%(statement_timeout)s::text, current_setting('statement_timeout')),
        true
    ) AS statement_timeout,
    set_config(
        'lock_timeout', coalesce(%(lock_timeout)s::text, current_setting('lock_timeout')), true
    ) AS lock_timeout,
    set_config(
        'idle_in_transaction_session_timeout',
        coalesce(%(idle_timeout)s::text, current_setting('idle_in_transaction_session_timeout')),
        true
    ) AS idle_timeout
