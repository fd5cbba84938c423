-- description: Plain indexes on the tables the world fills (not backing a constraint, droppable by this role): dropped for a big load, rebuilt after
-- params: tables
SELECT n.nspname AS schema, c.relname AS name,
       pg_get_indexdef(i.indexrelid) AS definition
FROM pg_index AS i
JOIN pg_class AS t ON t.oid = i.indrelid
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE t.relname = ANY(%(tables)s)
  AND t.relnamespace = to_regnamespace(current_schema())
  AND NOT i.indisprimary AND NOT i.indisunique
  AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
  AND pg_has_role(t.relowner, 'USAGE')  -- only indexes this role may drop
ORDER BY 1
