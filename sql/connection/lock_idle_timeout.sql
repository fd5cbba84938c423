-- description: The lock session's own idle limit, LOCAL to its transaction: long enough for the longest statement of the action between two heartbeats
-- source: core (console.core.xact_lock)
-- params: idle_timeout
SELECT set_config('idle_in_transaction_session_timeout', %(idle_timeout)s, true) AS idle_timeout
