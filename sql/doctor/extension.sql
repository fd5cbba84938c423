-- description: Whether an extension is installed in this database, and its version
-- params: name
SELECT extversion AS version
FROM pg_extension
WHERE extname = %(name)s
