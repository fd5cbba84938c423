-- description: Every index on the contract's tables: key columns in order, predicate, validity
-- source: doctor (recommended indexes are matched by table, leading columns and predicate, not by name)
-- params: tables
SELECT
    t.name AS table_name,
    ic.relname AS index_name,
    i.indisvalid AS valid,
    ARRAY(
        SELECT coalesce(a.attname::text, '(expression)')
        FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k (attnum, ord)
        LEFT JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE k.ord <= i.indnkeyatts
        ORDER BY k.ord
    ) AS columns,
    pg_get_expr(i.indpred, i.indrelid) AS predicate,
    am.amname AS method
FROM unnest(%(tables)s::text[]) AS t (name)
JOIN pg_index AS i ON i.indrelid = to_regclass(t.name)
JOIN pg_class AS ic ON ic.oid = i.indexrelid
JOIN pg_am AS am ON am.oid = ic.relam
ORDER BY t.name, ic.relname
