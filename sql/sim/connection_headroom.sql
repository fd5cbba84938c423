-- description: max_connections, the superuser reserve and the client sessions now: how many more the hog opens to pass its fill ratio
SELECT current_setting('max_connections')::int AS max_connections,
       current_setting('superuser_reserved_connections')::int AS reserved,
       (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend') AS in_use
