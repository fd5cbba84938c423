-- description: Doctor's fix for row-level security that filters the console's role: let the role bypass it (as a superuser); a template for psycopg.sql, never run by the console
-- source: doctor (row_level_security)
ALTER ROLE {role} BYPASSRLS
