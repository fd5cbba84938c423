-- description: Unique single-column indexes on webhook_events(event_id) and whether each is valid (a failed concurrent build leaves an invalid one behind)
-- source: Issue 3: Idempotency Conflicts — Prevention "Implement proper database constraints"
-- params:
-- defaults: {}
SELECT
    c.relname AS index_name,
    n.nspname AS index_schema,
    i.indisvalid AS valid,
    i.indisready AS ready
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_attribute AS a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
WHERE i.indrelid = to_regclass('webhook_events')
    AND i.indisunique
    AND i.indnatts = 1
    AND i.indpred IS NULL
    AND a.attname = 'event_id'
ORDER BY i.indisvalid DESC, c.relname
