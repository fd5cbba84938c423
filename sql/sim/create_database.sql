-- description: The embedded server makes a database ({name} is an identifier composed with psycopg.sql)
CREATE DATABASE {name}
