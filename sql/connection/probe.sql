-- description: The first statement on every console connection: who answers (a pooler's server connection or the backend the client was given), and on a direct connection the session defaults
-- source: core (console.core.db); the session defaults are only a second line, every transaction sets its own guards
-- params: client_pid, session_guards, statement_timeout, lock_timeout, idle_timeout, default_read_only
-- cost: constant
SELECT
    pg_backend_pid() AS server_pid,
    inet_server_port() AS server_port,
    current_setting('server_version_num')::int AS server_version_num,
    pg_backend_pid() = %(client_pid)s AS same_backend,
    CASE WHEN pg_backend_pid() = %(client_pid)s AND %(session_guards)s THEN
        set_config('statement_timeout', %(statement_timeout)s, false) || ' ' ||
        set_config('lock_timeout', %(lock_timeout)s, false) || ' ' ||
        set_config('idle_in_transaction_session_timeout', %(idle_timeout)s, false) || ' ' ||
        set_config('default_transaction_read_only', %(default_read_only)s, false)
    END AS session_defaults
