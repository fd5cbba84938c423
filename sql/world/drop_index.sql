-- description: Drop a secondary index for the load; its pg_get_indexdef definition rebuilds it after ({index}: identifier via psycopg.sql)
DROP INDEX {index}
