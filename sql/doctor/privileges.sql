-- description: What the console's role may do on each contract table (asked, never tried)
-- params: tables
SELECT
    t.name AS table_name,
    has_table_privilege(to_regclass(t.name), 'SELECT') AS can_select,
    has_table_privilege(to_regclass(t.name), 'INSERT') AS can_insert,
    has_table_privilege(to_regclass(t.name), 'UPDATE') AS can_update,
    has_table_privilege(to_regclass(t.name), 'DELETE') AS can_delete
FROM unnest(%(tables)s::text[]) AS t (name)
WHERE to_regclass(t.name) IS NOT NULL
ORDER BY t.name
