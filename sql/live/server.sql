-- description: The server's clock and identity for one poll (every window is judged on this clock)
-- cost: constant
SELECT now() AS now,
       current_database() AS database,
       current_setting('server_version') AS server_version,
       current_setting('max_connections')::int AS max_connections,
       pg_backend_pid() AS backend_pid
