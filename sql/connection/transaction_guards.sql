-- description: Opens every console transaction, all LOCAL to it (a pooler can neither drop nor leak them): the timeouts, and for a read (%(read_only)s) read-only; being the first query of a read, it also stops a later SET transaction_read_only = off. A write (after --allow-write) keeps the transaction's read-only state and only reports it
-- source: core (console.core.limits.transaction_guards: console.core.db.read_only and write_transaction, the guarded cursors, the lock session); a NULL limit keeps the value in force
-- params: read_only, statement_timeout, lock_timeout, idle_timeout
-- cost: constant
SELECT
    CASE
        WHEN %(read_only)s::boolean THEN set_config('transaction_read_only', 'on', true)
        ELSE current_setting('transaction_read_only')
    END AS read_only,
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
