-- description: Terminate a backend (its open transaction rolls back); true if the server sent the signal
-- params: pid
-- preview: drilldown/backend
SELECT pg_terminate_backend(%(pid)s::integer) AS acted
