-- description: The monitored tables' estimated rows and their indexes (estimated entries, key columns, predicate, validity): a panel whose query would scan a big table says which index it needs instead of running, and doctor matches the recommended indexes against the same rows (a table without an index has one row with a NULL index_name)
-- cost: the system catalogues only (pg_class, pg_index): constant, whatever the tables' sizes
-- params: tables
SELECT t.name AS table_name,
       greatest(c.reltuples, 0)::bigint AS estimated_rows,
       ic.relname AS index_name,
       greatest(ic.reltuples, 0)::bigint AS index_rows,
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
JOIN pg_class AS c ON c.oid = to_regclass(t.name)
LEFT JOIN pg_index AS i ON i.indrelid = c.oid
LEFT JOIN pg_class AS ic ON ic.oid = i.indexrelid
LEFT JOIN pg_am AS am ON am.oid = ic.relam
ORDER BY t.name, ic.relname
