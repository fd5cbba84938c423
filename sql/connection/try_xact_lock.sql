-- description: Takes an action's lock for the life of the lock session's open transaction (released by its COMMIT or ROLLBACK, or when the connection ends): holds behind a transaction pooler, which pins the server connection to an open transaction
-- source: core (console.core.xact_lock)
-- params: k1, k2
SELECT pg_try_advisory_xact_lock(%(k1)s::int4, %(k2)s::int4) AS ok, pg_backend_pid() AS server_pid
