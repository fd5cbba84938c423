-- description: Cancel a backend's current query (the session survives); true if the server sent the signal
-- params: pid
-- preview: drilldown/backend
SELECT pg_cancel_backend(%(pid)s::integer) AS acted
