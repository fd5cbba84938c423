-- description: Client connections in use, for the max_connections headroom; other roles' sessions count even when this role may not see their backend_type (see live/connections)
SELECT count(*) AS in_use
FROM pg_stat_activity
WHERE backend_type = 'client backend' OR (backend_type IS NULL AND datid IS NOT NULL)
