-- description: Doctor's other fix for row-level security: a policy that lets the console's role read every row of one table; a template for psycopg.sql, never run by the console
-- source: doctor (row_level_security)
CREATE POLICY console_reads ON {table} FOR SELECT TO {role} USING (true)
