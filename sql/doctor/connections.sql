-- description: Client connections in use, for the max_connections headroom
SELECT count(*) AS in_use
FROM pg_stat_activity
WHERE backend_type = 'client backend'
