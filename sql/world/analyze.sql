-- description: Fresh planner statistics for one table ({table} is an identifier composed with psycopg.sql)
ANALYZE {table}
