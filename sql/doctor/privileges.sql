-- description: What the console's role may do on each contract table (asked, never tried), who owns it, and whether row-level security filters it
-- params: tables
SELECT
    t.name AS table_name,
    n.nspname AS schema_name,
    c.relname AS relation,
    has_table_privilege(c.oid, 'SELECT') AS can_select,
    has_table_privilege(c.oid, 'INSERT') AS can_insert,
    has_table_privilege(c.oid, 'UPDATE') AS can_update,
    has_table_privilege(c.oid, 'DELETE') AS can_delete,
    pg_has_role(c.relowner, 'USAGE') AS owned,
    c.relrowsecurity AS row_security,
    c.relforcerowsecurity AS force_row_security,
    (SELECT count(*) FROM pg_policy AS p WHERE p.polrelid = c.oid) AS policies
FROM unnest(%(tables)s::text[]) AS t (name)
JOIN pg_class AS c ON c.oid = to_regclass(t.name)
JOIN pg_namespace AS n ON n.oid = c.relnamespace
ORDER BY t.name
