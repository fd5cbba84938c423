-- description: Whether a table has a column (webhook_events.payload is optional in the guide's schema)
-- params: table, column
SELECT count(*) AS n
FROM pg_attribute
WHERE attrelid = to_regclass(%(table)s) AND attname = %(column)s AND NOT attisdropped
