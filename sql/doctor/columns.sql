-- description: Columns and types of the contract's tables, found through the search_path
-- source: doctor (schema contract); to_regclass resolves names as the console's queries do
-- params: tables
SELECT
    t.name AS table_name,
    to_regclass(t.name)::text AS qualified_name,
    a.attname AS column_name,
    format_type(a.atttypid, a.atttypmod) AS data_type
FROM unnest(%(tables)s::text[]) AS t (name)
JOIN pg_attribute AS a
  ON a.attrelid = to_regclass(t.name) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY t.name, a.attnum
