-- description: Reads nothing from pg_stat_statements; fails when the library is not preloaded
SELECT count(*) AS n FROM (SELECT 1 FROM pg_stat_statements LIMIT 0) AS probe
