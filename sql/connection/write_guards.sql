-- description: Opens every console write transaction (after --allow-write): the timeouts, LOCAL to this transaction, so a lock wait or a stalled client is bounded behind any pooler
-- source: core (console.core.db.write_transaction); a NULL limit keeps the value in force
-- params: statement_timeout, lock_timeout, idle_timeout
-- cost: constant
SELECT
    current_setting('transaction_read_only') AS read_only,
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
