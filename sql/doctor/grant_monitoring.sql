-- description: The GRANTs for a read-only monitoring role, as doctor prints them with this database's names (README: Least-privilege roles and poolers); a template for psycopg.sql, never run by the console
-- source: doctor (role)
GRANT CONNECT ON DATABASE {database} TO {role};
GRANT USAGE ON SCHEMA {schemas} TO {role};
GRANT SELECT ON {tables} TO {role};
GRANT pg_monitor TO {role}
