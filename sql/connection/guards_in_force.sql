-- description: The guards as the server applies them inside a console read transaction, to prove them rather than assume them
-- source: doctor (read_only, timeouts)
SELECT
    current_setting('transaction_read_only') AS read_only,
    current_setting('statement_timeout') AS statement_timeout,
    current_setting('lock_timeout') AS lock_timeout,
    current_setting('idle_in_transaction_session_timeout') AS idle_timeout,
    pg_backend_pid() AS server_pid
