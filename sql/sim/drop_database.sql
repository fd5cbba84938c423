-- description: The embedded server drops a database even while sessions use it ({name} is an identifier composed with psycopg.sql)
DROP DATABASE IF EXISTS {name} WITH (FORCE)
