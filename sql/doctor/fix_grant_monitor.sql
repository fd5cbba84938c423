-- description: Doctor's fix for a role that cannot see other sessions' queries; a template for psycopg.sql, never run by the console
-- source: doctor (monitoring_role)
GRANT pg_monitor TO {role}
