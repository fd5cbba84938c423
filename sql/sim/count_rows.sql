-- description: Rows in one of the guide's tables, for the demo's summary ({table} is an identifier composed with psycopg.sql)
SELECT count(*) AS n FROM {table}
