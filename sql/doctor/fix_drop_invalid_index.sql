-- description: Doctor's fix for an INVALID index left by a failed concurrent build: drop it (then build again); a template for psycopg.sql, never run by the console
-- source: doctor (index:*)
DROP INDEX CONCURRENTLY {index}
