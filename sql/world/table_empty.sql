-- description: Whether a table has no rows at all ({table}: an identifier via psycopg.sql)
SELECT NOT EXISTS (SELECT FROM {table}) AS empty
