-- description: Doctor's fix for a role that cannot read a contract table; a template for psycopg.sql, never run by the console
-- source: doctor (privileges)
GRANT SELECT ON {tables} TO {role}
