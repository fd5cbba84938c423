-- description: Signal the previewed session: `cancel` cancels its running query with pg_cancel_backend (the session stays connected and its transaction is rolled back), `terminate` ends it with pg_terminate_backend (the connection is closed and its open transaction rolled back; the client must reconnect). The signal is the action's own (cancel_backend or terminate_backend, console/recovery/families/sessions.py), never the operator's; any other value signals nothing. Refused for the console's own connection, other databases and non-client processes; the target is checked before the signal is sent, and must still be the previewed session (same backend_start: a pid reused since the preview, or a backend_start hidden from this role, matches nothing)
-- source: Issue 4: Database Connection Issues (long-running queries, long-running transactions)
-- key: pid
-- params: ids, pid, backend_start, signal
-- defaults: {}
WITH target AS MATERIALIZED (
    SELECT pid
    FROM pg_stat_activity
    WHERE pid = ANY(%(ids)s)
        AND pid = %(pid)s
        AND pid <> pg_backend_pid()
        AND datname = current_database()
        AND backend_type = 'client backend'
        AND backend_start = ANY(%(backend_start)s::timestamptz[])
)
SELECT pid
FROM target
WHERE CASE %(signal)s::text
    WHEN 'cancel' THEN pg_cancel_backend(pid)
    WHEN 'terminate' THEN pg_terminate_backend(pid)
END
