-- description: Which of a query's `-- requires:` names are neither a relation visible on the search path nor an installed extension (the runner skips the query, saying which)
-- params: names
SELECT r.name
FROM unnest(%(names)s::text[]) AS r(name)
WHERE to_regclass(r.name) IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_extension AS e WHERE e.extname = r.name)
