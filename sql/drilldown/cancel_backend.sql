-- description: Cancel a backend's current query (the session survives); true if the server sent the signal
-- params: pid, backend_start
-- preview: drilldown/backend
-- The backend_start check (skipped when NULL) makes sure a reused pid is never signalled.
SELECT pg_cancel_backend(pid) AS acted
FROM pg_stat_activity
WHERE pid = %(pid)s::integer
  AND (%(backend_start)s::timestamptz IS NULL OR backend_start = %(backend_start)s::timestamptz)
