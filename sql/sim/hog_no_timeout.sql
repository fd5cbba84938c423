-- description: connection_hog: this session may sit idle in a transaction for ever (no idle_in_transaction_session_timeout)
SET idle_in_transaction_session_timeout = 0
