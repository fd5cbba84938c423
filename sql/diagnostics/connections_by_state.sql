-- description: Connections to this database by state; the guide's 'your_database_name' placeholder is replaced by current_database(), and max_connections is shown beside the total
-- source: Issue 4: Database Connection Issues — "Check active connections"
-- params:
-- defaults: {}
SELECT
    coalesce(state, 'unknown') AS state,
    count(*) AS connection_count,
    sum(count(*)) OVER ()::bigint AS total,
    current_setting('max_connections')::int AS max_connections
FROM pg_stat_activity
WHERE datname = current_database()
GROUP BY state
ORDER BY connection_count DESC, state
