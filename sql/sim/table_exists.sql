-- description: Whether a table is visible on the search path (the guide's optional tables, e.g. notifications)
-- params: table
SELECT to_regclass(%(table)s) IS NOT NULL AS present
