-- description: Columns and types of the contract's tables, found through the search_path, with the labels of an ENUM column
-- source: doctor (schema contract); to_regclass resolves names as the console's queries do
-- params: tables
SELECT
    t.name AS table_name,
    to_regclass(t.name)::text AS qualified_name,
    a.attname AS column_name,
    format_type(a.atttypid, a.atttypmod) AS data_type,
    ty.typtype = 'e' AS is_enum,
    CASE WHEN ty.typtype = 'e' THEN
        ARRAY(
            SELECT e.enumlabel::text FROM pg_enum AS e
            WHERE e.enumtypid = ty.oid ORDER BY e.enumsortorder
        )
    END AS enum_labels
FROM unnest(%(tables)s::text[]) AS t (name)
JOIN pg_attribute AS a
  ON a.attrelid = to_regclass(t.name) AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type AS ty ON ty.oid = a.atttypid
ORDER BY t.name, a.attnum
