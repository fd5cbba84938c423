-- description: The embedded server copies a template database, e.g. a prepared world ({name}, {template}: identifiers composed with psycopg.sql)
CREATE DATABASE {name} TEMPLATE {template}
