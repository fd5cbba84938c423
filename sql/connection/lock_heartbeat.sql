-- description: The lock session's heartbeat before each batch: its transaction (and so the lock) is still open, and it is not idle long enough to be ended
-- source: core (console.core.xact_lock)
SELECT pg_backend_pid() AS server_pid, now() AS at
