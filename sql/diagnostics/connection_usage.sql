-- description: Client connections to the whole server against max_connections, as a percentage (max_connections is server-wide, so every database counts), with the busiest application
-- source: Quick Reference P0 "Database connection failures"; Alerting "connection_pool_usage > 0.9"
-- params:
-- defaults: {}
WITH clients AS (
    SELECT application_name
    FROM pg_stat_activity
    WHERE backend_type = 'client backend'
),
per_app AS (
    SELECT application_name, count(*) AS n
    FROM clients
    GROUP BY application_name
),
top_app AS (
    SELECT application_name, n
    FROM per_app
    WHERE n = (SELECT max(n) FROM per_app)
    ORDER BY application_name
    FETCH FIRST ROW ONLY
)
SELECT
    (SELECT count(*) FROM clients) AS connections,
    current_setting('max_connections')::int AS max_connections,
    round(
        100.0 * (SELECT count(*) FROM clients) / current_setting('max_connections')::int, 1
    )::float8 AS usage_percent,
    (SELECT application_name FROM top_app) AS busiest_application,
    (SELECT n FROM top_app) AS busiest_application_connections
